import Foundation
import SMTP
import SMTPServer
import Testing

/// What an operator does to a job while its messages are being sent must take effect within
/// moments: a pause stops the recipients already claimed, and a reload that raises an
/// account's concurrency starts the new workers.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct JobControlWhileSendingTests {
    /// A relay that takes 150 ms to answer each message's data: slow enough that a worker
    /// holds a claimed batch for seconds.
    static func slowRelay() -> SMTPServerConfiguration {
        SMTPServerConfiguration(script: ServerScript([ScriptRule(on: .dot, action: ServerAction.standard.delayed(by: .milliseconds(150)))]),
                                recordLimit: nil)
    }

    @Test func aPauseStopsTheMessagesAlreadyClaimed() async throws {
        let harness = try await DaemonHarness(relay: Self.slowRelay(), concurrency: 1)
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let jobID = try await harness.submit(try harness.writeCampaign(count: 40))
        try await waitUntil(.seconds(30), "the first messages") { harness.relay.messages.count >= 3 }
        let pause = try await harness.mailctl(["pause", jobID])
        #expect(pause.status == 0, "\(pause.standardError)")
        let atPause = harness.relay.messages.count
        // What was on the wire finishes (two messages ride the session), plus what the worker
        // started before housekeeping saw the pause (a fifth of a second, at most two more).
        try await Task.sleep(for: .seconds(2))
        let settled = harness.relay.messages.count
        #expect(settled <= atPause + 4, "\(settled - atPause) messages went out after the pause was acknowledged")
        try await Task.sleep(for: .seconds(1))
        #expect(harness.relay.messages.count == settled, "messages kept going out while the job was paused")
        let status = try await harness.jobStatus(jobID)
        #expect(status.state == "paused")
        // The claims went back to the queue: resumed, the job sends every message once.
        let resume = try await harness.mailctl(["resume", jobID])
        #expect(resume.status == 0, "\(resume.standardError)")
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.standardOutput.contains("completed: 40 sent, 0 failed"), "\(watch.standardOutput)\(harness.daemonLog)")
        let recipients = harness.relay.messages.flatMap(\.recipients)
        #expect(recipients.count == 40 && Set(recipients).count == 40, "a message was sent twice or lost")
    }

    @Test func aReloadThatRaisesConcurrencyStartsTheNewWorkers() async throws {
        let harness = try await DaemonHarness(relay: Self.slowRelay(), concurrency: 1)
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let jobID = try await harness.submit(try harness.writeCampaign(count: 60))
        try await waitUntil(.seconds(30), "the first message") { harness.relay.messages.count >= 1 }
        let beforeReload = harness.relay.messages.count
        try harness.editConfiguration { $0.replacingOccurrences(of: "concurrency = 1", with: "concurrency = 3") }
        harness.reloadConfiguration()
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.standardOutput.contains("completed: 60 sent, 0 failed"), "\(watch.standardOutput)\(harness.daemonLog)")
        let afterReload = harness.relay.messages.dropFirst(beforeReload + 4)
        // One worker keeps one session (500 messages each); three workers, three sessions.
        let sessions = Set(afterReload.map(\.connectionID))
        #expect(sessions.count >= 3, "messages after the reload came over \(sessions.count) session(s)")
    }
}
