import Foundation
import SMTPServer
import Testing

/// SIGTERM while messages are on the wire: maild stops claiming, lets every transaction under
/// way finish, records its outcome, hands unsent claims back and only then exits, whether or
/// not systemd's watchdog is on (with it off the pinger returns at once, which once let the
/// shutdown cancel the delivery engine in the middle of that).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ShutdownTests {
    @Test(arguments: [false, true])
    func sigtermDuringDeliveryLeavesNothingSendingAndSendsNothingTwice(watchdog: Bool) async throws {
        // Every final dot is answered after 300 ms: the signal always finds messages on the wire.
        let script = ServerScript([ScriptRule(on: .dot, action: ServerAction.standard.delayed(by: .milliseconds(300)))])
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script, recordLimit: nil), concurrency: 4)
        defer { Task { await harness.stop() } }
        let notify = try NotifySocket(directory: harness.directory)
        defer { notify.close() }
        var environment = ["NOTIFY_SOCKET": notify.path]
        if watchdog { environment["WATCHDOG_USEC"] = "10000000" }
        let process = try harness.launchDaemon(environment: environment)
        _ = try await notify.first { $0["READY"] == "1" }
        if watchdog {
            _ = try await notify.first { $0["WATCHDOG"] == "1" }
        }
        let total = 80
        let jobID = try await harness.submit(try harness.writeCampaign(count: total))
        try await waitUntil(.seconds(30), "the first messages at the relay") { harness.relay.messages.count >= 4 }

        kill(process.processIdentifier, SIGTERM)
        try await waitUntil(.seconds(60), "maild to exit after SIGTERM") { !process.isRunning }
        #expect(process.terminationStatus == 0, "\(harness.daemonLog.suffix(2000))")
        let delivered = harness.relay.messages.count
        #expect(delivered < total, "the signal came while recipients were still queued")
        let states = try await Self.recipientStates(harness)
        #expect(states["sending"] == nil, "claims left behind: \(states)")
        #expect(states["sent"] == delivered, "every message the relay accepted is recorded as sent: \(states), relay \(delivered)")
        #expect(harness.daemonLog.contains("maild stopped; every outcome committed"))
        #expect(!harness.daemonLog.contains("CancellationError"), "\(harness.daemonLog.suffix(2000))")

        // The rest goes out after a restart, and nothing goes out twice.
        try await harness.startDaemon()
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.status == 0, "\(watch.standardOutput.suffix(300))\(watch.standardError)")
        let recipients = harness.relay.messages.flatMap(\.recipients)
        #expect(Set(recipients).count == total)
        #expect(recipients.count == total, "\(recipients.count - Set(recipients).count) recipients mailed twice")
    }

    /// Recipients by state, read from the database file as sqlite3 sees it.
    static func recipientStates(_ harness: DaemonHarness) async throws -> [String: Int] {
        let run = try await runTool("/usr/bin/sqlite3", [harness.databasePath, "SELECT state, count(*) FROM recipients GROUP BY state"])
        guard run.status == 0 else { throw HarnessError("sqlite3 failed: \(run.errors)") }
        var states: [String: Int] = [:]
        for line in run.output.split(separator: "\n") {
            let fields = line.split(separator: "|")
            if fields.count == 2, let count = Int(fields[1]) { states[String(fields[0])] = count }
        }
        return states
    }
}
