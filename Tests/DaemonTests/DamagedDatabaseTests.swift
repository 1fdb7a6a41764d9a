import Foundation
import Testing

/// A database that is damaged, cut short or held by another process stops maild at startup
/// with a reason naming the file, and is never reset or rewritten.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DamagedDatabaseTests {
    /// Runs maild until it exits (or 20 s pass) and returns its status and log.
    static func startExpectingFailure(_ harness: DaemonHarness) async throws -> (status: Int32, log: String) {
        let process = Process()
        process.executableURL = DaemonHarness.binary("maild")
        process.arguments = ["--config", harness.configurationPath]
        let log = Pipe()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            process.terminate()
            Issue.record("maild kept running on a damaged database")
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test func garbageInsteadOfADatabaseIsRefusedAndLeftAlone() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: harness.databasePath))
        let (status, log) = try await Self.startExpectingFailure(harness)
        #expect(status != 0)
        #expect(log.contains(harness.databasePath), "\(log)")
        #expect(log.contains("damaged") || log.contains("not a maild queue"), "\(log)")
        #expect(FileManager.default.contents(atPath: harness.databasePath) == garbage, "the damaged file was modified")
    }

    @Test func aTruncatedDatabaseIsRefused() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let campaign = try harness.writeCampaign(count: 3000, sendAt: "2099-01-01T00:00:00Z")
        #expect(try await harness.mailctl(["submit", campaign]).status == 0)
        await harness.kill(signal: SIGTERM)
        // Fold the WAL in, then cut the file in half as a failed copy would.
        let checkpoint = Process()
        checkpoint.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        checkpoint.arguments = ["-c", "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute('pragma wal_checkpoint(truncate)'); db.close()", harness.databasePath]
        try checkpoint.run()
        checkpoint.waitUntilExit()
        let whole = try #require(FileManager.default.contents(atPath: harness.databasePath))
        #expect(whole.count > 64 * 1024)
        let half = whole.prefix(whole.count / 2)
        try half.write(to: URL(fileURLWithPath: harness.databasePath))
        let (status, log) = try await Self.startExpectingFailure(harness)
        #expect(status != 0)
        #expect(log.contains(harness.databasePath), "\(log)")
        #expect(log.contains("damaged"), "\(log)")
        #expect(FileManager.default.contents(atPath: harness.databasePath) == Data(half))
    }

    @Test func aDatabaseLockedByAnotherProcessIsNamedAsSuch() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        await harness.kill(signal: SIGTERM)
        // Another program holds the write lock for longer than maild's busy timeout (5 s).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", "import sqlite3,sys,time; db=sqlite3.connect(sys.argv[1], isolation_level=None); db.execute('begin exclusive'); print('held', flush=True); time.sleep(30)", harness.databasePath]
        let ready = Pipe()
        holder.standardOutput = ready
        try holder.run()
        defer { holder.terminate() }
        _ = ready.fileHandleForReading.availableData
        let (status, log) = try await Self.startExpectingFailure(harness)
        #expect(status != 0)
        #expect(log.contains("locked by another process"), "\(log)")
    }

    @Test func aCampaignCannotTurnOffCertificateChecks() async throws {
        // TLS settings belong to the operator's account configuration; a campaign naming them
        // is refused as it would be for any unknown field.
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        for field in [#""insecure":true"#, #""tls":"none""#, #""ca_file":"/tmp/evil.pem""#] {
            let path = harness.directory.appendingPathComponent("tls.json").path
            try #"{"name":"x","account":"test","from":"a@example.org","subject":"s","text":"t","recipients":[{"email":"b@example.com"}],\#(field)}"#
                .write(toFile: path, atomically: true, encoding: .utf8)
            let submit = try await harness.mailctl(["submit", path])
            #expect(submit.status == 1, "\(field) was accepted")
            #expect(submit.standardError.contains("unknown field"), "\(submit.standardError)")
        }
    }
}
