import Foundation
import SMTP
import SMTPServer
import Testing

/// The delivery policy in the running daemon: real maild and mailctl processes against the
/// project's SMTP server scripted to answer like providers do.
///
/// Rates are checked on the instants the server accepted each message, with no tolerance:
/// maild counts a send on the wire as happening now and a finished one at its final reply,
/// so its limits hold on the receiver's clock. `slack` only allows for the timers of a busy
/// machine where a test looks for a pause of a given length.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PolicyEndToEndTests {
    static let slack: TimeInterval = 0.15
    static let exact: TimeInterval = 0

    /// A campaign's own `rate_limits` (5/s) hold beside a faster account (50/s): the smallest wins.
    @Test func campaignRateLimitsAreAThirdScope() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try harness.addToAccount("rate = 50/s")
        try await harness.startDaemon()
        let addresses = (1...20).map { "reader\($0)@example.com" }
        let job = try await harness.submitJob(try harness.writeCampaign(addresses: addresses, name: "paced", rateLimits: ["per_second": 5]))
        let status = try await harness.waitForPolicyJob(job)
        #expect(counts(status)["sent"] == 20)
        let times = harness.relay.messages.map(\.receivedAt)
        #expect(times.count == 20)
        #expect(DaemonHarness.mostInAnyWindow(times, window: 1 - Self.exact) <= 5, "\(times)")
        // The job's sends are in the send log under its id: a restart keeps its windows.
        #expect(harness.daemonLog.contains("job completed"))
    }

    /// `[provider google]` from maild.conf: 5/s, one session at a time carrying Gmail's mail,
    /// at most 3 Gmail messages per session; other domains are not held back by it.
    @Test func providerLimitsFromTheConfigurationHold() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try harness.addSections("""
            [provider google]
            per_second = 5
            max_connections = 1
            messages_per_connection = 3
            """)
        try await harness.startDaemon()
        let gmail = (1...12).map { "reader\($0)@gmail.com" }
        let others = (1...8).map { "reader\($0)@example.com" }
        var addresses: [String] = []
        for index in gmail.indices {
            addresses.append(gmail[index])
            if index < others.count { addresses.append(others[index]) }
        }
        let job = try await harness.submitJob(try harness.writeCampaign(addresses: addresses, name: "mixed"))
        let status = try await harness.waitForPolicyJob(job)
        #expect(counts(status)["sent"] == 20)
        let messages = harness.relay.messages
        let toGmail = messages.filter { $0.recipients.first?.hasSuffix("@gmail.com") == true }
        #expect(toGmail.count == 12)
        #expect(DaemonHarness.mostInAnyWindow(toGmail.map(\.receivedAt), window: 1 - Self.exact) <= 5)
        let perConnection = Dictionary(grouping: toGmail, by: \.connectionID)
        #expect(perConnection.values.allSatisfy { $0.count <= 3 }, "\(perConnection.mapValues(\.count))")
        // One session at a time: the spans of Gmail messages of different sessions never overlap.
        let spans = perConnection.values.map { group in (group.map(\.receivedAt).min() ?? .distantPast, group.map(\.receivedAt).max() ?? .distantPast) }
            .sorted { $0.0 < $1.0 }
        #expect(zip(spans, spans.dropFirst()).allSatisfy { $0.1 <= $1.0 }, "\(spans)")
    }

    /// A burst of 421 4.7.28: the account cools down, its rate halves (10/s becomes 10 per 2 s),
    /// `mailctl status` and the log say so, the throttled messages go later without spending
    /// an attempt, and nobody is lost.
    @Test func throttleBurstCoolsDownAndHalvesTheRate() async throws {
        let unusualRate = "4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address."
        let script = ServerScript([ScriptRule(on: .rcpt, messages: Ordinals(6...7), action: .reply(421, unusualRate))])
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script), concurrency: 2,
                                              extraConfiguration: "throttle_cooldown = 2s\nrate_recovery_window = 30s")
        defer { Task { await harness.stop() } }
        try harness.addToAccount("rate = 10/s")
        try await harness.startDaemon()
        let addresses = (1...20).map { "reader\($0)@example.com" }
        let job = try await harness.submitJob(try harness.writeCampaign(addresses: addresses, name: "burst"))
        var notes: Set<String> = []
        let status = try await harness.waitForPolicyJob(job) { status in
            if let note = status["pause_reason"] as? String, status["state"] as? String == "running" { notes.insert(note) }
        }
        #expect(counts(status)["sent"] == 20)
        #expect(notes.contains { $0.contains("throttled: account test") && $0.contains("rate at 50%") }, "\(notes)")
        let times = harness.relay.messages.map(\.receivedAt).sorted()
        #expect(Set(harness.relay.messages.flatMap(\.recipients)).count == 20)
        // The cool-down: a gap of about 2 s after the burst.
        let gaps = zip(times, times.dropFirst()).map { $1.timeIntervalSince($0) }
        #expect((gaps.max() ?? 0) >= 2 - Self.slack, "\(gaps)")
        // After it, at most 10 in any 2 s: half of 10/s.
        if let gapIndex = gaps.firstIndex(where: { $0 >= 2 - Self.slack }) {
            let after = Array(times[(gapIndex + 1)...])
            #expect(DaemonHarness.mostInAnyWindow(after, window: 2 - Self.exact) <= 10, "\(after)")
        }
        let report = try await harness.reportRows(job)
        #expect(report.allSatisfy { $0["state"] as? String == "sent" && $0["attempts"] as? Int == 1 }, "\(report)")
        #expect(harness.daemonLog.contains("throttled: slowing down"))
        #expect(harness.daemonLog.contains("policy-deferral-421"))
    }

    /// Greylisting (451 4.7.1 on the first try of two addresses) defers them with backoff;
    /// they go on the second attempt.
    @Test func greylistedAddressesAreRetriedAndDelivered() async throws {
        let script = ServerScript([
            ScriptRule(on: .rcpt, recipient: "reader2@example.com", occurrences: .first(1), action: .reply(451, "4.7.1 Greylisted, please try again later")),
            ScriptRule(on: .rcpt, recipient: "reader4@example.com", occurrences: .first(1), action: .reply(451, "4.7.1 Greylisted, please try again later")),
        ])
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script))
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let job = try await harness.submitJob(try harness.writeCampaign(addresses: (1...5).map { "reader\($0)@example.com" }, name: "grey"))
        let status = try await harness.waitForPolicyJob(job)
        #expect(counts(status)["sent"] == 5)
        let attempts = Dictionary(uniqueKeysWithValues: try await harness.reportRows(job).compactMap { row -> (String, Int)? in
            guard let address = row["address"] as? String, let attempts = row["attempts"] as? Int else { return nil }
            return (address, attempts)
        })
        #expect(attempts == ["reader1@example.com": 1, "reader2@example.com": 2, "reader3@example.com": 1, "reader4@example.com": 2, "reader5@example.com": 1])
    }

    /// A rotated password (535 5.7.8): every job on the account pauses with the reason and
    /// nothing is spent; after the fix (new secret, reload) `mailctl resume` delivers everyone.
    @Test func rotatedPasswordPausesTheAccountUntilResumed() async throws {
        let authentication = ServerAuthentication(mechanisms: [.plain], passwords: ["maild": "new-secret"], isRequired: true)
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(authentication: authentication))
        defer { Task { await harness.stop() } }
        let secret = harness.directory.appendingPathComponent("password").path
        try "old-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try harness.addToAccount("username = maild\npassword_file = \(secret)\nallow_plaintext_auth = yes\nauth = plain")
        try await harness.startDaemon()
        let first = try await harness.submitJob(try harness.writeCampaign(addresses: (1...4).map { "a\($0)@example.com" }, name: "first"))
        let second = try await harness.submitJob(try harness.writeCampaign(addresses: (1...3).map { "b\($0)@example.com" }, name: "second"))
        let paused = try await harness.waitForPolicyJob(first, states: ["paused"])
        let reason = paused["pause_reason"] as? String ?? ""
        #expect(reason.contains("account test") && reason.contains("535"), "\(reason)")
        try await harness.waitForPolicyJob(second, states: ["paused"])
        let text = try await harness.mailctl(["status", "\(first)"])
        #expect(text.standardOutput.contains("paused (account test:"))
        #expect(text.standardOutput.contains("mailctl resume \(first)"))
        #expect(harness.relay.messages.isEmpty)
        #expect(counts(paused)["pending"] == 4)

        try "new-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        harness.reloadConfiguration()
        try await Task.sleep(for: .milliseconds(500))
        for job in [first, second] {
            let resume = try await harness.mailctl(["resume", "\(job)"])
            #expect(resume.status == 0, "\(resume.standardError)")
        }
        #expect(counts(try await harness.waitForPolicyJob(first))["sent"] == 4)
        #expect(counts(try await harness.waitForPolicyJob(second))["sent"] == 3)
        #expect(harness.relay.messages.allSatisfy { $0.authenticatedUser == "maild" })
    }

    /// 550 5.1.1 for two addresses: they fail as bounces and are suppressed with time and
    /// reason; the next campaign to the same list skips them, and the report says why.
    @Test func bouncedAddressesAreSkippedByLaterCampaigns() async throws {
        let script = ServerScript([
            ScriptRule(on: .rcpt, recipient: "reader2@example.com", action: .reply(550, "5.1.1 <reader2@example.com>: Recipient address rejected: User unknown")),
            ScriptRule(on: .rcpt, recipient: "reader4@example.com", action: .reply(550, "5.1.1 The email account that you tried to reach does not exist.")),
        ])
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script))
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let addresses = (1...5).map { "reader\($0)@example.com" }
        let first = try await harness.submitJob(try harness.writeCampaign(addresses: addresses, name: "first"))
        let firstStatus = try await harness.waitForPolicyJob(first)
        #expect(counts(firstStatus)["sent"] == 3 && counts(firstStatus)["failed"] == 2)

        let second = try await harness.submitJob(try harness.writeCampaign(addresses: addresses, name: "second"))
        let secondStatus = try await harness.waitForPolicyJob(second)
        #expect(counts(secondStatus)["sent"] == 3)
        #expect(counts(secondStatus)["skipped"] == 2)
        let skipped = try await harness.reportRows(second).filter { $0["state"] as? String == "skipped" }
        #expect(Set(skipped.compactMap { $0["address"] as? String }) == ["reader2@example.com", "reader4@example.com"])
        #expect(skipped.allSatisfy { ($0["last_text"] as? String)?.hasPrefix("suppressed: 550 5.1.1") == true }, "\(skipped)")
        let watch = try await harness.mailctl(["watch", "\(second)"])
        #expect(watch.standardOutput.contains("3 sent, 0 failed, 2 skipped"), "\(watch.standardOutput)")
        // The relay saw each bounced address once, from the first campaign only.
        let rcpts = harness.relay.commands.filter { $0.verb == "RCPT" }.map { $0.arguments.lowercased() }
        #expect(rcpts.filter { $0.contains("reader2@example.com") }.count == 1)
    }

    /// SES: 454 "Maximum sending rate exceeded" is a slow-down (cool-down, then everyone goes);
    /// 454 "Daily message quota exceeded" pauses the account until the daily window resets,
    /// shown in `mailctl status`, and the pause survives a restart.
    @Test func sesThrottlingAndDailyQuota() async throws {
        let script = ServerScript([
            ScriptRule(on: .dot, messages: .only(2), action: .reply(454, "Throttling failure: Maximum sending rate exceeded.")),
            ScriptRule(on: .dot, messages: .only(5), action: .reply(454, "Throttling failure: Daily message quota exceeded.")),
        ])
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script), concurrency: 1,
                                              extraConfiguration: "throttle_cooldown = 1s")
        defer { Task { await harness.stop() } }
        try harness.addToAccount("rate = 20/s")
        try await harness.startDaemon()
        let job = try await harness.submitJob(try harness.writeCampaign(addresses: (1...6).map { "reader\($0)@example.com" }, name: "ses"))
        // Messages 1, 3 (the throttled 2nd again) and 4 pass; the 5th transaction hits the quota.
        try await harness.relay.waitForMessages(count: 3, timeout: .seconds(20))
        var status: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            status = try await harness.jobStatus(job)
            if (status["pause_reason"] as? String)?.contains("quota reply") == true { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let note = status["pause_reason"] as? String ?? ""
        #expect(note.contains("throttled: account test") && note.contains("paused until") && note.contains("daily window"), "\(note)")
        #expect(status["state"] as? String == "running")
        let text = try await harness.mailctl(["status", "\(job)"])
        #expect(text.standardOutput.contains("quota reply"), "\(text.standardOutput)")
        let sentBefore = harness.relay.messages.count

        await harness.kill(signal: SIGTERM)
        try await harness.startDaemon()
        try await Task.sleep(for: .seconds(1.5))
        #expect(harness.relay.messages.count == sentBefore)
        let after = try await harness.jobStatus(job)
        #expect((after["pause_reason"] as? String)?.contains("quota reply") == true, "\(after)")
        #expect(counts(after)["sent"] == sentBefore)
        #expect(counts(after)["pending"] == 6 - sentBefore)
        #expect(harness.daemonLog.contains("rate_percent"))
    }

    /// `per_day = 3` on the account: three go, and after a restart of maild the daily window
    /// still holds the other two back.
    @Test func dailyCapHoldsAcrossARestart() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try harness.addToAccount("per_day = 3")
        try await harness.startDaemon()
        let job = try await harness.submitJob(try harness.writeCampaign(addresses: (1...5).map { "reader\($0)@example.com" }, name: "capped"))
        try await harness.relay.waitForMessages(count: 3, timeout: .seconds(20))
        try await Task.sleep(for: .seconds(1))
        #expect(harness.relay.messages.count == 3)
        await harness.kill(signal: SIGTERM)
        try await harness.startDaemon()
        try await Task.sleep(for: .seconds(1.5))
        #expect(harness.relay.messages.count == 3)
        let status = try await harness.jobStatus(job)
        #expect(status["state"] as? String == "running")
        #expect(counts(status)["sent"] == 3 && counts(status)["pending"] == 2, "\(status)")
    }
}
