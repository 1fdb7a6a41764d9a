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

extension JobControlWhileSendingTests {
    /// The bounce breaker pauses a job whose list is bad; an operator who resumes it (after
    /// a look at the list) gets a breaker that judges the next outcomes anew, so a list that is
    /// still bad pauses again instead of being mailed to the end.
    @Test func aResumedJobsBreakerTripsAgain() async throws {
        let everyoneBounces = SMTPServerConfiguration(
            script: ServerScript([ScriptRule(on: .rcpt, action: .reply(550, "5.1.1 No such user"))]), recordLimit: nil)
        let harness = try await DaemonHarness(relay: everyoneBounces, concurrency: 1,
                                              extraConfiguration: "breaker_threshold = 50%\nbreaker_minimum = 5")
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let jobID = try await harness.submit(try harness.writeCampaign(count: 60))
        let first = try await pausedStatus(harness, jobID)
        #expect((first["pause_reason"] as? String)?.contains("circuit breaker") == true, "\(first)")
        let failedAtFirstTrip = Self.failed(first)
        #expect(failedAtFirstTrip >= 5 && failedAtFirstTrip < 30, "\(first)")

        let resume = try await harness.mailctl(["resume", jobID])
        #expect(resume.status == 0, "\(resume.standardError)")
        try await waitUntil(.seconds(20), "the job to leave paused") { try await harness.jobStatus(jobID).state != "paused" }
        let second = try await pausedStatus(harness, jobID)
        #expect((second["pause_reason"] as? String)?.contains("circuit breaker") == true, "\(second)")
        let failedAtSecondTrip = Self.failed(second)
        #expect(failedAtSecondTrip > failedAtFirstTrip && failedAtSecondTrip < 60, "\(second)\n\(harness.daemonLog)")
    }

    private func pausedStatus(_ harness: DaemonHarness, _ jobID: String) async throws -> [String: Any] {
        var status: [String: Any] = [:]
        try await waitUntil(.seconds(30), "the breaker to pause the job") {
            let output = try await harness.mailctl(["status", jobID, "--json"])
            status = (try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any]) ?? [:]
            let state = status["state"] as? String
            // Settled: paused, and nothing of the job still on the wire.
            return state == "paused" && ((status["counts"] as? [String: Any])?["sending"] as? Int ?? 1) == 0
                || state == "completed"
        }
        return status
    }

    private static func failed(_ status: [String: Any]) -> Int {
        (status["counts"] as? [String: Any])?["failed"] as? Int ?? -1
    }
}

/// A relay that answers the greeting with 421 (too many connections) is asking the account to
/// slow down: the messages go back to the queue without spending an attempt, and the account
/// cools down instead of reconnecting every second.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SessionThrottleTests {
    @Test func a421GreetingSlowsTheAccountAndSpendsNoAttempt() async throws {
        let busyAtFirst = SMTPServerConfiguration(
            script: ServerScript([ScriptRule(on: .greeting, connections: .first(2),
                                             action: .replyAndClose(421, "4.7.0 Too many concurrent SMTP connections; try again later"))]),
            recordLimit: nil)
        let harness = try await DaemonHarness(relay: busyAtFirst, concurrency: 1, extraConfiguration: "throttle_cooldown = 1s")
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let jobID = try await harness.submit(try harness.writeCampaign(count: 5))
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.standardOutput.contains("completed: 5 sent, 0 failed"), "\(watch.standardOutput)\(harness.daemonLog)")
        let rows = try await harness.reportRows(Int(jobID) ?? -1)
        #expect(rows.count == 5)
        // The refused sessions cost no attempt: each recipient was sent at its first.
        #expect(rows.allSatisfy { $0["attempts"] as? Int == 1 }, "\(rows)")
        let log = harness.daemonLog
        #expect(log.contains("scope=account test smtp_code=421"), "\(log)")
        #expect(log.contains("messages re-queued without an attempt"), "\(log)")
    }

    /// A pause reaches a worker that waits on a slow relay without PIPELINING: the message on
    /// the wire finishes, and no other starts (each session used to start two more, the one
    /// handed over behind it and the one checked before the wait).
    @Test func aPauseStopsSendingBehindTheMessageOnASlowRelay() async throws {
        let script = ServerScript([ScriptRule(on: .dot, action: ServerAction.standard.delayed(by: .milliseconds(800)))])
        let relay = SMTPServerConfiguration(extensions: AdvertisedExtensions(pipelining: false), script: script, recordLimit: nil)
        let harness = try await DaemonHarness(relay: relay, concurrency: 1)
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let jobID = try await harness.submit(try harness.writeCampaign(count: 10))
        try await waitUntil(.seconds(30), "the first message at the relay") { harness.relay.messages.count >= 1 }
        let pause = try await harness.mailctl(["pause", jobID])
        #expect(pause.status == 0, "\(pause.standardError)")
        let atPause = harness.relay.messages.count
        try await Task.sleep(for: .seconds(3))
        let after = harness.relay.messages.count
        #expect(after <= atPause + 1, "\(after - atPause) messages went out after the pause")
        let status = try await harness.mailctl(["status", jobID, "--json"])
        #expect(status.standardOutput.contains("\"state\":\"paused\""), "\(status.standardOutput)")
        #expect(status.standardOutput.contains("\"sent\":\(after),"), "relay has \(after): \(status.standardOutput)")
    }
}
