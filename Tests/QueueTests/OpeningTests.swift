import Foundation
import Queue
import Testing

/// Opening refuses what it cannot trust, says where, and never resets a damaged file.
@Suite struct OpeningTests {
    enum Damage: String, CaseIterable, CustomTestStringConvertible {
        case truncatedToHalf, garbageOverHeader, garbageInTheMiddle, randomBytes
        var testDescription: String { rawValue }

        func apply(to path: String) throws {
            let url = URL(fileURLWithPath: path)
            var data = try Data(contentsOf: url)
            switch self {
            case .truncatedToHalf:
                data = data.prefix(data.count / 2)
            case .garbageOverHeader:
                data.replaceSubrange(0..<100, with: Data(repeating: 0x5A, count: 100))
            case .garbageInTheMiddle:
                // Overwrite pages 2..n-1 (b-tree pages of the tables) with noise, keep the header.
                let pageSize = 4096
                let start = pageSize
                let end = max(start + pageSize, data.count - pageSize)
                for index in start..<min(end, data.count) { data[index] = UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
            case .randomBytes:
                data = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) })
            }
            try data.write(to: url)
        }
    }

    /// A queue with some data, closed and checkpointed so everything is in the main file.
    func filledQueue() throws -> TemporaryQueue {
        let queue = try TemporaryQueue()
        let store = try queue.open()
        _ = try QueueFixtures.submit(store, (0..<2000).map { "user\($0)@example.com" })
        try store.close()
        try Python.run("import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute('pragma wal_checkpoint(truncate)'); db.close()",
                       [queue.path])
        return queue
    }

    @Test(arguments: Damage.allCases)
    func damagedFileIsRefusedAndLeftUntouched(damage: Damage) throws {
        let queue = try filledQueue()
        defer { queue.remove() }
        try damage.apply(to: queue.path)
        let damaged = try Data(contentsOf: URL(fileURLWithPath: queue.path))
        let error = try #require(throws: QueueError.self) { try queue.open() }
        guard case .corrupted(let path, _) = error else {
            Issue.record("expected .corrupted, got \(error)")
            return
        }
        #expect(path == queue.path)
        #expect(error.description.contains("leaves it untouched"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: queue.path)) == damaged)
    }

    @Test func emptyExistingFileIsNotTreatedAsANewQueue() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        #expect(FileManager.default.createFile(atPath: queue.path, contents: Data()))
        #expect(throws: QueueError.emptyFile(path: queue.path)) { try queue.open() }
        #expect(try Data(contentsOf: URL(fileURLWithPath: queue.path)).isEmpty)
    }

    @Test func missingDirectoryIsNamed() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let path = queue.directory.appendingPathComponent("no/such/dir/queue.sqlite").path
        let error = try #require(throws: QueueError.self) { try QueueStore(path: path) }
        #expect(error == .directoryMissing(path: path, directory: queue.directory.appendingPathComponent("no/such/dir").path))
        #expect(error.description.contains("does not exist"))
    }

    /// chmod alone does not stop root (tests may run as root), so also make the file immutable.
    @Test func readOnlyFileIsRefused() throws {
        let queue = try filledQueue()
        defer { queue.remove() }
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: queue.path)
        var immutable = false
        if geteuid() == 0 {
            immutable = (try? Python.run("import subprocess,sys; subprocess.run(['chattr','+i',sys.argv[1]],check=True)", [queue.path])) != nil
        }
        defer {
            if immutable { _ = try? Python.run("import subprocess,sys; subprocess.run(['chattr','-i',sys.argv[1]],check=True)", [queue.path]) }
        }
        try #require(geteuid() != 0 || immutable, "running as root without chattr: cannot make a read-only file")
        let error = try #require(throws: QueueError.self) { try queue.open() }
        #expect(error == .readOnly(path: queue.path))
        #expect(error.description.contains("read-only"))
    }

    /// Another process holds the write lock for longer than the busy timeout.
    @Test func databaseLockedByAnotherProcessIsReported() throws {
        let queue = try filledQueue()
        defer { queue.remove() }
        let holder = try Python.startHolding("""
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute('begin exclusive')
            db.execute("insert into jobs (name, account, owner_uid, owner_gid, state, spec, created_at, updated_at) values ('held', 'a', 0, 0, 'queued', x'', 0, 0)")
            print('ready', flush=True)
            time.sleep(30)
            """, [queue.path])
        defer { holder.terminate(); holder.waitUntilExit() }
        let started = Date()
        let error = try #require(throws: QueueError.self) { try queue.open(busyTimeout: 0.5) }
        #expect(error == .locked(path: queue.path, waitedSeconds: 0.5))
        #expect(error.description.contains("locked by another process"))
        #expect(Date().timeIntervalSince(started) >= 0.4, "waited for the busy timeout first")
    }

    /// The lock is released within the busy timeout: opening waits and succeeds.
    @Test func shortLockIsWaitedFor() throws {
        let queue = try filledQueue()
        defer { queue.remove() }
        let holder = try Python.startHolding("""
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute('begin exclusive')
            print('ready', flush=True)
            time.sleep(0.3)
            db.execute('commit')
            time.sleep(5)
            """, [queue.path])
        defer { holder.terminate(); holder.waitUntilExit() }
        let store = try queue.open(busyTimeout: 5)
        #expect(try store.jobs().count == 1)
    }

    /// A writer killed mid-transaction (SIGKILL, no cleanup) leaves its uncommitted pages in the
    /// WAL or journal; the next open sees the last committed state and a sound file.
    @Test func writerKilledMidTransactionLeavesNoTrace() throws {
        let queue = try filledQueue()
        defer { queue.remove() }
        let writer = try Python.startHolding("""
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute('pragma cache_size = 10')  # spill dirty pages to the WAL before commit
            db.execute('begin immediate')
            db.execute("insert into jobs (id, name, account, owner_uid, owner_gid, state, spec, created_at, updated_at) values (999, 'ghost', 'gmail-main', 0, 0, 'running', x'', 0, 0)")
            for i in range(50000):
                db.execute("insert into recipients (job_id, seq, address, normalized_address, domain, state, updated_at) values (999, ?, ?, ?, 'ghost.example', 'pending', 0)", (i, 'g%d@ghost.example' % i, 'g%d@ghost.example' % i))
            db.execute("update recipients set state = 'sent' where job_id = 1")
            print('ready', flush=True)
            time.sleep(30)
            """, [queue.path])
        let walSize = (try? FileManager.default.attributesOfItem(atPath: queue.path + "-wal")[.size] as? NSNumber)?.intValue ?? 0
        kill(writer.processIdentifier, SIGKILL)
        writer.waitUntilExit()
        #expect(writer.terminationReason == .uncaughtSignal)
        #expect(walSize > 0, "the killed transaction had written pages to the WAL")

        let store = try queue.open()
        #expect(try store.job(id: 999) == nil)
        let counts = try store.counts(jobID: 1)
        #expect(counts.pending == 2000 && counts.sent == 0)
        let check = try Python.run("import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('pragma integrity_check').fetchone()[0])",
                                   [queue.path])
        #expect(check.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
    }
}
