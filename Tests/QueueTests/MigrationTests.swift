import Foundation
import Queue
import Testing

/// The schema operators read in migrations/ is the schema the binary applies, and upgrades keep data.
@Suite struct MigrationTests {
    @Test(arguments: EmbeddedMigrations.all)
    func embeddedCopyEqualsTheFileByteForByte(migration: QueueMigration) throws {
        let file = try Data(contentsOf: QueueFixtures.migrationsFolder.appendingPathComponent(migration.fileName))
        #expect(file == Data(migration.sql.utf8),
                "EmbeddedMigrations: \(migration.identifier) differs from migrations/\(migration.fileName); paste the file into Sources/Queue/Migrations/EmbeddedMigrations.swift")
    }

    @Test func everyFileInTheFolderIsEmbeddedInOrder() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: QueueFixtures.migrationsFolder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == EmbeddedMigrations.all.map(\.fileName))
        #expect(EmbeddedMigrations.all.count >= 2)
    }

    @Test func aFreshDatabaseRecordsEveryMigration() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        #expect(try store.appliedMigrations() == QueueMigrator.identifiers)
        let mode = try Python.run("import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('pragma journal_mode').fetchone()[0])",
                                  [queue.path])
        #expect(mode.trimmingCharacters(in: .whitespacesAndNewlines) == "wal")
    }

    /// A queue written by a release that only had 0001, filled by another SQLite client, then
    /// opened by this build: upgraded in place, nothing lost.
    @Test func upgradesAVersion1DatabaseWithItsData() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        try QueueMigrator.createDatabase(at: queue.path, upTo: "0001_initial")
        try Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
            assert 'jobs' in tables and 'suppression' not in tables, tables
            db.execute("insert into jobs (id, name, account, owner_uid, owner_gid, state, spec, recipient_count, created_at, updated_at) values (7, 'old', 'acct', 1000, 1000, 'running', x'7b7d', 3, 1000, 1000)")
            for i, a in enumerate(['a@x.example', 'b@x.example', 'c@y.example']):
                db.execute("insert into recipients (job_id, seq, address, normalized_address, domain, state, updated_at) values (7, ?, ?, ?, ?, 'pending', 1000)", (i + 1, a, a, a.split('@')[1]))
            db.commit()
            """, [queue.path])

        let store = try queue.open()
        #expect(try store.appliedMigrations() == QueueMigrator.identifiers)
        let job = try #require(try store.job(id: 7))
        #expect(job.name == "old" && job.state == .running && job.recipientCount == 3)
        #expect(try store.counts(jobID: 7).pending == 3)
        // The 0002 index and tables work on the old rows.
        let claimed = try store.claimDueRecipients(account: "acct", limit: 10)
        #expect(claimed.map(\.address) == ["a@x.example", "b@x.example", "c@y.example"])
        try store.suppress("Z@x.example", reason: "operator")
        #expect(try store.isSuppressed("z@X.example"))
    }

    @Test func aDatabaseFromANewerMaildIsRefused() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        try queue.open().close()
        try Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("insert into grdb_migrations (identifier) values ('0099_from_the_future')")
            db.commit()
            """, [queue.path])
        let before = try Data(contentsOf: URL(fileURLWithPath: queue.path))
        let error = try #require(throws: QueueError.self) { try queue.open() }
        #expect(error == .newerSchema(path: queue.path, unknownMigrations: ["0099_from_the_future"]))
        #expect(error.description.contains("newer maild") && error.description.contains(queue.path))
        #expect(try Data(contentsOf: URL(fileURLWithPath: queue.path)) == before)
    }

    @Test func unknownTargetMigrationIsAnError() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        #expect(throws: QueueError.self) { try QueueMigrator.createDatabase(at: queue.path, upTo: "0042_nope") }
    }
}
