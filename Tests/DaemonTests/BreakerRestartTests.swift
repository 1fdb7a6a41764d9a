import Foundation
import SMTPServer
import Testing

/// The bounce breaker survives a restart: maild rebuilds it from the job's stored outcomes, so
/// stopping and starting the daemon does not give a bad list a fresh hundred messages.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct BreakerRestartTests {
    /// Six of the first ten outcomes bounce (60%, threshold 40%). maild is stopped after three
    /// or so of them; after the restart the breaker still counts them and trips at the tenth
    /// outcome. A breaker that started afresh would see at most three bounces in its first ten
    /// (30%) and send the whole list.
    @Test func bouncesBeforeARestartStillCount() async throws {
        let bad = (1...6).map { "bad\($0)@example.com" }
        let good = (1...14).map { "good\($0)@example.com" }
        let script = ServerScript(bad.map { ScriptRule(on: .rcpt, recipient: $0, action: .reply(550, "5.1.1 No such user")) })
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script, recordLimit: nil), concurrency: 1,
                                              extraConfiguration: "breaker_threshold = 40%\nbreaker_minimum = 10")
        defer { Task { await harness.stop() } }
        try harness.addToAccount("rate = 4/s")
        try await harness.startDaemon()
        let job = try await harness.submitJob(try harness.writeCampaign(addresses: bad + good, name: "stale-list"))
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, (counts(try await harness.jobStatus(job))["failed"] ?? 0) < 3 {
            try await Task.sleep(for: .milliseconds(50))
        }
        await harness.kill(signal: SIGTERM)
        let before = try Self.finalStates(harness, job)
        let outcomesBefore = (before["failed"] ?? 0) + (before["sent"] ?? 0)
        #expect((before["failed"] ?? 0) >= 3 && outcomesBefore < 10, "stopped too late to test the restart: \(before)")

        try await harness.startDaemon()
        let status = try await harness.waitForPolicyJob(job, states: ["paused", "completed"])
        #expect(status["state"] as? String == "paused", "\(status)")
        #expect((status["pause_reason"] as? String)?.contains("circuit breaker: 6 of the first 10 outcomes") == true, "\(status)")
        #expect(harness.relay.messages.count < 14, "the breaker stopped the list before its end")
    }

    /// Recipients per state, read from the database file while maild is down.
    static func finalStates(_ harness: DaemonHarness, _ job: Int) throws -> [String: Int] {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let script = "import sqlite3,sys; db=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); "
            + "[print(s, n) for s, n in db.execute('select state, count(*) from recipients where job_id=? group by state', (int(sys.argv[2]),))]"
        probe.arguments = ["-c", script, harness.databasePath, "\(job)"]
        let output = Pipe()
        probe.standardOutput = output
        try probe.run()
        probe.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        var states: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let count = Int(parts[1]) { states[String(parts[0])] = count }
        }
        return states
    }
}
