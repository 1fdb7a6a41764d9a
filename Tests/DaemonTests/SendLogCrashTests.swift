import Foundation
import SMTPServer
import Testing

/// A daily cap holds across a kill -9 that comes right after the last sends: each send is in
/// the send log as soon as its outcome is, not only at the next housekeeping (every 200 ms).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SendLogCrashTests {
    @Test func aDailyCapHoldsAcrossAKillRightAfterTheSends() async throws {
        let harness = try await DaemonHarness(concurrency: 1)
        defer { Task { await harness.stop() } }
        try harness.addToAccount("per_day = 5")
        try await harness.startDaemon()
        let job = try await harness.submitJob(try harness.writeCampaign(addresses: (1...10).map { "reader\($0)@example.com" }, name: "capped"))
        // Polls the database every 2 ms and returns as soon as five outcomes are committed.
        try Self.waitForSent(5, job: job, harness: harness)
        await harness.kill(signal: SIGKILL)
        #expect(harness.relay.messages.count == 5)

        try await harness.startDaemon()
        try await Task.sleep(for: .seconds(1.5))
        #expect(harness.relay.messages.count == 5, "the restart forgot sends: per_day = 5")
        let status = try await harness.jobStatus(job)
        #expect(counts(status)["sent"] == 5 && counts(status)["pending"] == 5, "\(status)")
    }

    static func waitForSent(_ count: Int, job: Int, harness: DaemonHarness) throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let script = """
            import sqlite3, sys, time
            deadline = time.time() + 30
            while time.time() < deadline:
                try:
                    db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
                    sent = db.execute("select count(*) from recipients where job_id = ? and state = 'sent'", (int(sys.argv[2]),)).fetchone()[0]
                    db.close()
                    if sent >= int(sys.argv[3]):
                        sys.exit(0)
                except sqlite3.Error:
                    pass
                time.sleep(0.002)
            sys.exit(1)
            """
        probe.arguments = ["-c", script, harness.databasePath, "\(job)", "\(count)"]
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { throw HarnessError("job \(job) did not reach \(count) sent") }
    }
}
