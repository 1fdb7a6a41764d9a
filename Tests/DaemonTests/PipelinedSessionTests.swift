import Foundation
import SMTPServer
import Testing

/// A worker keeps two messages on its session: the next one's MAIL, RCPT and DATA follow the
/// current one's data (RFC 2920 section 3.1). When the current one's answer ends the session,
/// the next one never had its turn: it goes again on a new session at once, without an attempt.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PipelinedSessionTests {
    @Test func theMessageBehindADroppedSessionGoesAgainWithoutAnAttempt() async throws {
        // The relay drops the connection right after the third message's final dot; one
        // worker, so the fourth message is the one queued behind it.
        let script = ServerScript([ScriptRule(on: .dot, messages: Ordinals(3...3), action: .drop)])
        let harness = try await RelayFaultTests.harness(script: script, concurrency: 1)
        defer { Task { await harness.stop() } }
        let (watch, rows) = try await RelayFaultTests.sendThroughFault(harness, count: 6)
        #expect(watch.status == 0, "\(watch.standardOutput)")
        RelayFaultTests.expectEveryoneDelivered(rows, count: 6, relays: [harness.relay])
        // Only the message whose data was cut off (its fate unknown) took a second attempt.
        let retried = rows.filter { ($0["attempts"] as? Int ?? 0) > 1 }
        #expect(retried.count == 1, "\(rows)")
        #expect(harness.daemonLog.contains("message queued behind a session that ended"))
    }

    /// A message the session refuses itself (here a UTF-8 address for a relay without
    /// SMTPUTF8) writes nothing and leaves the session as it was: the messages around it go
    /// on the same connection, none is disturbed by a reconnect.
    @Test func aMessageRefusedByTheClientKeepsTheSession() async throws {
        let relay = SMTPServerConfiguration(extensions: AdvertisedExtensions(smtpUTF8: false), recordLimit: nil)
        let harness = try await DaemonHarness(relay: relay, concurrency: 1)
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let addresses = ["reader1@example.com", "reader2@example.com", "j\u{F6}ran@example.com", "reader4@example.com", "reader5@example.com"]
        let job = try await harness.submitJob(try harness.writeCampaign(addresses: addresses, name: "utf8"))
        let status = try await harness.waitForPolicyJob(job)
        let counts = status["counts"] as? [String: Any] ?? [:]
        #expect(counts["sent"] as? Int == 4, "\(status)")
        #expect(counts["failed"] as? Int == 1, "\(status)")
        let messages = harness.relay.messages
        #expect(messages.count == 4)
        #expect(Set(messages.map(\.connectionID)).count == 1, "\(messages.map(\.connectionID))")
    }
}
