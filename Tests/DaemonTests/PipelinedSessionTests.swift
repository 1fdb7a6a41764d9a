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
}
