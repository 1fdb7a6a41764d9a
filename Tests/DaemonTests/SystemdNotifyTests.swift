import Foundation
import Testing

/// sd_notify as systemd sees it: the test is the service manager, listening on NOTIFY_SOCKET,
/// while the real maild runs against a real database and relay.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SystemdNotifyTests {
    @Test func readyOnlyOnceServingThenStatusFollowsTheJobsAndStoppingOnSIGTERM() async throws {
        let harness = try await DaemonHarness(concurrency: 1)
        defer { Task { await harness.stop() } }
        // 1/min holds a job in "running" after its first message, long enough to read about it.
        try harness.editConfiguration { $0.replacingOccurrences(of: "concurrency = 1", with: "concurrency = 1\nrate = 1/min") }
        let notify = try NotifySocket(directory: harness.directory)
        defer { notify.close() }
        let process = try harness.launchDaemon(environment: ["NOTIFY_SOCKET": notify.path])

        let (readyIndex, ready) = try await notify.first { $0["READY"] == "1" }
        // READY=1 promises a migrated database and a listening socket, right now.
        #expect(unixSocketAcceptsConnections(harness.socketPath), "READY=1 before the socket accepts connections")
        let migrations = try await runTool("/usr/bin/sqlite3", [harness.databasePath, "SELECT count(*) FROM grdb_migrations"])
        #expect((Int(migrations.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 1, "\(migrations.errors)")
        #expect(ready["MAINPID"] == "\(process.processIdentifier)")
        #expect(ready["STATUS"] == "0 jobs running, 0 msg/min")

        let jobID = try await harness.submit(try harness.writeCampaign(count: 3))
        let (runningIndex, _) = try await notify.first(from: readyIndex + 1, timeout: .seconds(30)) {
            $0["STATUS"] == "1 job running, 1 msg/min"
        }
        let pause = try await harness.mailctl(["pause", jobID])
        #expect(pause.status == 0, "\(pause.standardError)")
        _ = try await notify.first(from: runningIndex + 1, timeout: .seconds(30)) {
            $0["STATUS"] == "0 jobs running, 1 msg/min, 1 job paused"
        }

        let beforeStop = notify.messages.count
        kill(process.processIdentifier, SIGTERM)
        let (_, stopping) = try await notify.first(from: beforeStop, timeout: .seconds(30)) { $0["STOPPING"] == "1" }
        #expect(stopping["STATUS"]?.contains("stopping") == true)
        try await waitUntil(.seconds(30), "maild to exit after SIGTERM") { !process.isRunning }
        #expect(process.terminationStatus == 0, "\(harness.daemonLog)")
    }

    @Test func noWatchdogPingsWithoutWatchdogUSEC() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        let notify = try NotifySocket(directory: harness.directory)
        defer { notify.close() }
        try harness.launchDaemon(environment: ["NOTIFY_SOCKET": notify.path])
        _ = try await notify.first { $0["READY"] == "1" }
        try await Task.sleep(for: .seconds(2))
        #expect(!notify.messages.contains { $0["WATCHDOG"] != nil })
    }

    /// The health check behind the pings is real: another process holding SQLite's write lock
    /// (what a stuck migration script or a careless `sqlite3` session does) leaves maild unable
    /// to claim or record anything, so the pings stop; they resume when the lock goes.
    @Test func watchdogPingsAtHalfTheIntervalAndStopWhileTheDatabaseIsLocked() async throws {
        // One worker: the store's threads are not all blocked on the lock, so only a probe
        // that really writes notices it (reads go on in WAL mode).
        let harness = try await DaemonHarness(concurrency: 1)
        defer { Task { await harness.stop() } }
        let notify = try NotifySocket(directory: harness.directory)
        defer { notify.close() }
        try harness.launchDaemon(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"])
        _ = try await notify.first { $0["READY"] == "1" }

        try await Task.sleep(for: .seconds(4))
        let healthy = notify.messages.filter { $0["WATCHDOG"] == "1" }.map(\.at)
        #expect(healthy.count >= 3, "pings in 4 s: \(healthy.count)")
        let gaps = zip(healthy.dropFirst(), healthy).map { $0 - $1 }
        // systemd restarts a service whose pings are further apart than WatchdogSec (2 s here).
        #expect(gaps.allSatisfy { $0 < .seconds(2) }, "gaps: \(gaps)")
        if !gaps.isEmpty {
            let mean = gaps.reduce(Duration.zero, +) / gaps.count
            #expect(mean > .milliseconds(500) && mean < .milliseconds(1500), "mean gap \(mean), expected about 1 s")
        }

        let locker = try SQLiteLockHolder(database: harness.databasePath, directory: harness.directory)
        defer { locker.release() }
        try await locker.waitUntilLocked()
        // A probe starts within 0.5 s and counts as failed once it has waited 1 s; a ping
        // already decided may still go out. From then on there must be silence.
        try await Task.sleep(for: .seconds(3))
        let silenceFrom = ContinuousClock.now
        try await Task.sleep(for: .seconds(3))
        let pingsWhileLocked = notify.messages.filter { $0["WATCHDOG"] == "1" && $0.at >= silenceFrom }
        #expect(pingsWhileLocked.isEmpty, "\(pingsWhileLocked.count) pings while another process held the write lock")
        #expect(harness.daemonLog.contains("health check failed"), "\(harness.daemonLog)")

        let beforeRelease = notify.messages.count
        locker.release()
        _ = try await notify.first(from: beforeRelease, timeout: .seconds(20)) { $0["WATCHDOG"] == "1" }
        try await waitUntil(.seconds(10), "the recovery to be logged") { harness.daemonLog.contains("watchdog pings resume") }
    }
}

/// Another process holding SQLite's write lock (BEGIN EXCLUSIVE) on maild's database until
/// released, as a stuck maintenance script would.
final class SQLiteLockHolder: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output: URL

    init(database: String, directory: URL) throws {
        output = directory.appendingPathComponent("locker.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", "-c", """
            import sqlite3, sys
            connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            connection.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.readline()
            connection.execute("ROLLBACK")
            """, database]
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
    }

    func waitUntilLocked() async throws {
        try await waitUntil(.seconds(30), "python3 to take the SQLite write lock") {
            guard process.isRunning else { throw HarnessError("the lock holder exited: status \(process.terminationStatus)") }
            return ((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("locked")
        }
    }

    func release() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.write(contentsOf: Data("\n".utf8))
        try? input.fileHandleForWriting.close()
    }
}
