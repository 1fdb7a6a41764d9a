import Foundation
import SMTPServer
import Testing

/// The relay misbehaves the ways real ones do: it stops answering, drops the connection after
/// the data, trickles its replies, or goes away for a while. Timeouts fire, the messages
/// involved are deferred and sent later, nothing is lost, and mailctl is answered throughout.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RelayFaultTests {
    static func harness(script: ServerScript, concurrency: Int = 2) async throws -> DaemonHarness {
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script, recordLimit: nil), concurrency: concurrency)
        // One-second command timeouts for the test account (the harness's file ends with it).
        try (String(contentsOfFile: harness.configurationPath, encoding: .utf8) + "\ncommand_timeout = 1s\nconnect_timeout = 1s\ndata_timeout = 1s\n")
            .write(toFile: harness.configurationPath, atomically: true, encoding: .utf8)
        try await harness.startDaemon()
        return harness
    }

    /// Submits `count` recipients, asserts status answers promptly while the fault plays out,
    /// waits for the end and returns the job's report rows.
    static func sendThroughFault(_ harness: DaemonHarness, count: Int) async throws -> (watch: DaemonHarness.Output, rows: [[String: Any]]) {
        let campaign = try harness.writeCampaign(count: count)
        let submit = try await harness.mailctl(["submit", campaign])
        #expect(submit.status == 0, "\(submit.standardError)")
        let job = submit.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        for _ in 0..<3 {
            let clock = ContinuousClock()
            let started = clock.now
            let status = try await harness.mailctl(["status", job])
            #expect(status.status == 0)
            // Process start-up included; the point is that a stuck relay never blocks the
            // control socket for as long as an SMTP timeout.
            #expect(clock.now - started < .seconds(3), "status took \(clock.now - started)")
            try await Task.sleep(for: .milliseconds(300))
        }
        let watch = try await harness.mailctl(["watch", job])
        let report = try await harness.mailctl(["report", job, "--format", "json"])
        return (watch, try reportRows(report.standardOutput))
    }

    /// `mailctl report --format json` writes one object per line.
    static func reportRows(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    static func expectEveryoneDelivered(_ rows: [[String: Any]], count: Int, relays: [SMTPTestServer]) {
        #expect(rows.count == count)
        #expect(rows.allSatisfy { $0["state"] as? String == "sent" }, "\(rows.filter { $0["state"] as? String != "sent" })")
        let received = Set(relays.flatMap { $0.messages.flatMap(\.recipients) })
        for index in 1...count { #expect(received.contains("user\(index)@example.com"), "user\(index) never arrived") }
    }

    @Test func aRelayThatStopsAnsweringCostsATimeoutAndARetry() async throws {
        // The first two connections hang forever at the first RCPT.
        let script = ServerScript([ScriptRule(on: .rcpt, connections: .first(2), action: .silence)])
        let harness = try await Self.harness(script: script)
        defer { Task { await harness.stop() } }
        let (watch, rows) = try await Self.sendThroughFault(harness, count: 12)
        #expect(watch.status == 0, "\(watch.standardOutput)")
        Self.expectEveryoneDelivered(rows, count: 12, relays: [harness.relay])
        let retried = rows.filter { ($0["attempts"] as? Int ?? 0) > 1 }
        #expect(!retried.isEmpty, "the hung messages were not retried")
        #expect(harness.daemonLog.contains("rcpt"), "the log does not name the stage of the timeout")
    }

    @Test func aRelayThatNeverAnswersTheFinalDotTimesOutAndIsRetried() async throws {
        // The first two transactions get no reply after their data, ever (data_timeout 1 s).
        let script = ServerScript([ScriptRule(on: .dot, messages: .first(2), action: .silence)])
        let harness = try await Self.harness(script: script)
        defer { Task { await harness.stop() } }
        let (watch, rows) = try await Self.sendThroughFault(harness, count: 8)
        #expect(watch.status == 0, "\(watch.standardOutput)")
        Self.expectEveryoneDelivered(rows, count: 8, relays: [harness.relay])
        #expect(rows.filter { ($0["attempts"] as? Int ?? 0) > 1 }.count >= 2)
    }

    @Test func aRelayThatDropsTheConnectionAfterTheDataIsRetried() async throws {
        // The first three transactions lose their connection right after the final dot.
        let script = ServerScript([ScriptRule(on: .dot, messages: .first(3), action: .drop)])
        let harness = try await Self.harness(script: script)
        defer { Task { await harness.stop() } }
        let (watch, rows) = try await Self.sendThroughFault(harness, count: 10)
        #expect(watch.status == 0, "\(watch.standardOutput)")
        Self.expectEveryoneDelivered(rows, count: 10, relays: [harness.relay])
        #expect(rows.filter { ($0["attempts"] as? Int ?? 0) > 1 }.count >= 3)
    }

    @Test func aRelayThatTricklesItsGreetingTimesOutAndIsRetried() async throws {
        // One byte every 300 ms: a 30-byte greeting would take 9 s, past the 1 s timeout.
        let script = ServerScript([ScriptRule(on: .greeting, connections: .first(2), action: ServerAction.standard.sentByteByByte(interval: .milliseconds(300)))])
        let harness = try await Self.harness(script: script)
        defer { Task { await harness.stop() } }
        let (watch, rows) = try await Self.sendThroughFault(harness, count: 6)
        #expect(watch.status == 0, "\(watch.standardOutput)")
        Self.expectEveryoneDelivered(rows, count: 6, relays: [harness.relay])
    }

    @Test func aRelayThatGoesAwayForAWhileGetsEverythingWhenItReturns() async throws {
        let harness = try await Self.harness(script: ServerScript.none)
        defer { Task { await harness.stop() } }
        try await harness.relay.stop()
        let campaign = try harness.writeCampaign(count: 8)
        let submit = try await harness.mailctl(["submit", campaign])
        #expect(submit.status == 0, "\(submit.standardError)")
        let job = submit.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        // Refused connections: the recipients are deferred, not failed.
        var deferred = 0
        for _ in 0..<50 where deferred == 0 {
            try await Task.sleep(for: .milliseconds(100))
            let status = try await harness.mailctl(["status", job, "--json"])
            let object = try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any]
            deferred = ((object?["counts"] as? [String: Any])?["deferred"] as? Int) ?? 0
            #expect(((object?["counts"] as? [String: Any])?["failed"] as? Int ?? 0) == 0)
        }
        #expect(deferred > 0)
        // The relay comes back on the same port.
        let returned = SMTPTestServer(configuration: SMTPServerConfiguration(port: harness.relayPort, recordLimit: nil))
        _ = try await returned.start()
        defer { Task { try? await returned.stop() } }
        let watch = try await harness.mailctl(["watch", job])
        #expect(watch.status == 0, "\(watch.standardOutput)")
        let report = try await harness.mailctl(["report", job, "--format", "json"])
        Self.expectEveryoneDelivered(try Self.reportRows(report.standardOutput), count: 8, relays: [returned])
    }
}
