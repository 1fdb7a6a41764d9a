import Foundation
import Queue
import Testing

/// kill -9 while maild upgrades an old queue: a database at the first schema (0001) with
/// 200,000 recipients, so that the upgrade (0002 indexes every pending recipient) takes long
/// enough to be interrupted, killed at random moments of startup five times, then started for
/// good. Each migration is one transaction (Sources/Queue/Migrations/QueueMigrator.swift), so
/// whatever the moment, the file must be whole, each migration recorded once, no row lost.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct MigrationCrashTests {
    /// MAILD_MIGRATION_CRASH_RECIPIENTS and MAILD_MIGRATION_CRASH_KILLS scale the test up.
    static let environment = ProcessInfo.processInfo.environment
    static let recipients = environment["MAILD_MIGRATION_CRASH_RECIPIENTS"].flatMap(Int.init) ?? 200_000
    static let killCount = environment["MAILD_MIGRATION_CRASH_KILLS"].flatMap(Int.init) ?? 5

    @Test func sigkillDuringStartupMigrationsLosesNothing() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        let pristine = harness.directory.appendingPathComponent("version1.db").path
        try QueueMigrator.createDatabase(at: pristine, upTo: "0001_initial")
        try await Self.python(Self.fillScript, [pristine, "\(Self.recipients)"])
        let before = try await Self.inspect(pristine, in: harness)
        #expect(before.integrity == "ok")
        #expect(before.migrations == ["0001_initial"])
        #expect(before.recipients == Self.recipients)

        // How long maild takes here to open the queue (integrity check and upgrade) on a copy:
        // the kills are spread over that time, so most land inside the upgrade.
        try Self.restore(pristine, to: harness.databasePath)
        let clock = ContinuousClock()
        let opened = try await clock.measure {
            let earlier = Self.queueOpenings(harness)
            try Self.launch(harness)
            while Self.queueOpenings(harness) == earlier {
                guard harness.maild?.isRunning == true else { throw HarnessError("maild exited:\n\(harness.daemonLog)") }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        await harness.kill(signal: SIGKILL)
        try Self.restore(pristine, to: harness.databasePath)

        var kills: [String] = []
        var interrupted = 0
        for _ in 0..<Self.killCount {
            let moment = opened * Double.random(in: 0.2...0.95)
            try Self.launch(harness)
            try await Task.sleep(for: moment)
            await harness.kill(signal: SIGKILL)
            // As the next start finds it: whole, every row there, migrations a prefix.
            let found = try await Self.inspect(harness.databasePath, in: harness)
            #expect(found.integrity == "ok")
            #expect(QueueMigrator.identifiers.starts(with: found.migrations), "\(found.migrations)")
            #expect(found.jobs == before.jobs && found.recipients == before.recipients && found.digest == before.digest)
            kills.append("\(Self.seconds(moment)) (\(found.migrations.count) recorded)")
            if found.migrations.count < QueueMigrator.identifiers.count {
                interrupted += 1
            } else {
                // Too late: the upgrade was done. Back to version 1 for the next kill; an
                // interrupted upgrade is kept, so the next kill interrupts its retry.
                try Self.restore(pristine, to: harness.databasePath)
            }
        }
        try await harness.startDaemon()
        let list = try await harness.mailctl(["list", "--all", "--json"])
        #expect(list.status == 0, "\(list.standardError)")
        #expect(list.standardOutput.contains("\"job_id\":1"), "\(list.standardOutput)")
        #expect(list.standardOutput.contains("\"total\":\(Self.recipients)"), "\(list.standardOutput)")
        await harness.kill(signal: SIGTERM)

        let after = try await Self.inspect(harness.databasePath, in: harness)
        #expect(after.integrity == "ok")
        #expect(after.migrations == QueueMigrator.identifiers, "each migration recorded once, in order")
        #expect(after.jobs == before.jobs)
        #expect(after.recipients == before.recipients)
        #expect(after.digest == before.digest, "addresses, names, variables and states unchanged")
        // Otherwise every kill came after the upgrade, and the test proved nothing about it.
        #expect(interrupted > 0, "no kill interrupted the upgrade: \(kills); opening the queue took \(Self.seconds(opened))")
        print("migration crash test: \(Self.recipients) recipients; opening the queue with the upgrade took \(Self.seconds(opened)); "
              + "killed at \(kills.joined(separator: ", ")); \(interrupted) of \(kills.count) before the upgrade was recorded; "
              + "after the last start: integrity \(after.integrity), migrations \(after.migrations.joined(separator: ",")), "
              + "\(after.recipients) recipients, digest unchanged")
    }

    static func queueOpenings(_ harness: DaemonHarness) -> Int {
        harness.daemonLog.components(separatedBy: "queue open").count - 1
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.2f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    /// Starts maild without waiting for it to answer (DaemonHarness.startDaemon waits).
    static func launch(_ harness: DaemonHarness) throws {
        let process = Process()
        process.executableURL = DaemonHarness.binary("maild")
        process.arguments = ["--config", harness.configurationPath, "--log-level", "debug"]
        if !FileManager.default.fileExists(atPath: harness.logFile.path) { _ = FileManager.default.createFile(atPath: harness.logFile.path, contents: nil) }
        let log = try FileHandle(forWritingTo: harness.logFile)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        harness.maild = process
    }

    /// Puts the version-1 file in place of maild's database, without a WAL of earlier runs.
    static func restore(_ pristine: String, to path: String) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.copyItem(atPath: pristine, toPath: path)
    }

    struct Snapshot {
        var integrity: String
        var migrations: [String]
        var jobs: Int
        var recipients: Int
        var digest: String
    }

    /// Reads a copy of the database and its WAL, as the next start would find them after a
    /// kill, so the test itself recovers nothing in maild's files.
    static func inspect(_ path: String, in harness: DaemonHarness) async throws -> Snapshot {
        let copy = harness.directory.appendingPathComponent("inspected.db").path
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: copy + suffix)
            if suffix != "-shm", FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.copyItem(atPath: path + suffix, toPath: copy + suffix)
            }
        }
        let output = try await python("""
            import hashlib, json, sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            digest = hashlib.sha256()
            for row in db.execute('select id, job_id, seq, address, normalized_address, name, variables, state from recipients order by id'):
                digest.update(repr(row).encode())
            print(json.dumps({
                'integrity': ';'.join(r[0] for r in db.execute('pragma integrity_check')),
                'migrations': [r[0] for r in db.execute('select identifier from grdb_migrations order by rowid')],
                'jobs': db.execute('select count(*) from jobs').fetchone()[0],
                'recipients': db.execute('select count(*) from recipients').fetchone()[0],
                'digest': digest.hexdigest()}))
            """, [copy])
        guard let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
              let integrity = object["integrity"] as? String, let migrations = object["migrations"] as? [String],
              let jobs = object["jobs"] as? Int, let recipients = object["recipients"] as? Int, let digest = object["digest"] as? String else {
            throw HarnessError("cannot read \(path): \(output)")
        }
        return Snapshot(integrity: integrity, migrations: migrations, jobs: jobs, recipients: recipients, digest: digest)
    }

    /// One scheduled job (send_at in 2099, so nothing is sent while the test runs) with
    /// personalized recipients, written as a release with only 0001 would have.
    static let fillScript = """
        import sqlite3, sys
        db = sqlite3.connect(sys.argv[1])
        count = int(sys.argv[2])
        spec = b'{"name":"upgrade","account":"test","from":{"address":"a@example.org"},"subject":"s","text":"t","attachments":[],"headers":[]}'
        db.execute("insert into jobs (id, idempotency_key, name, account, owner_uid, owner_gid, state, spec, recipient_count, send_at, created_at, updated_at) "
                   "values (1, 'upgrade', 'upgrade', 'test', 0, 0, 'scheduled', ?, ?, 4070908800000, 1000, 1000)", (spec, count))
        db.executemany("insert into recipients (job_id, seq, address, normalized_address, domain, name, variables, state, updated_at) "
                       "values (1, ?, ?, ?, ?, ?, ?, 'pending', 1000)",
                       ((i, f"user{i}@example{i % 97}.com", f"user{i}@example{i % 97}.com", f"example{i % 97}.com", f"User {i}",
                         '{"first_name":"User %d"}' % i) for i in range(1, count + 1)))
        db.commit()
        db.close()
        """

    @discardableResult
    static func python(_ script: String, _ arguments: [String]) async throws -> String {
        let run = try await runTool("/usr/bin/python3", ["-c", script] + arguments)
        guard run.status == 0 else { throw HarnessError("python3 failed (\(run.status)): \(run.errors)") }
        return run.output
    }
}
