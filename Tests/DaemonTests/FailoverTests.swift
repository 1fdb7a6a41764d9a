import Foundation
import SMTPServer
import Testing

/// Failover: a campaign that names several accounts is sent through all of them, and when one
/// is refused by its relay or reaches its quota the others take its share. Two real relays
/// (the project's SMTP server twice), real maild and mailctl processes.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct FailoverTests {
    /// Starts a second relay and configures it as `[account backup]`.
    private static func addBackup(to harness: DaemonHarness, relay configuration: SMTPServerConfiguration = SMTPServerConfiguration(),
                                  settings: String = "") async throws -> SMTPTestServer {
        let backup = SMTPTestServer(configuration: configuration)
        let port = try await backup.start()
        try harness.addSections("""
            [account backup]
            host = 127.0.0.1
            port = \(port)
            tls = none
            concurrency = 1
            \(settings)
            """)
        return backup
    }

    private static func campaign(_ harness: DaemonHarness, count: Int, name: String, accounts: [String] = ["test", "backup"]) throws -> String {
        let campaign: [String: Any] = [
            "name": name, "accounts": accounts, "from": "Sender <sender@example.org>", "subject": "Hello",
            "text": "A failover test.\n", "recipients": (1...count).map { ["email": "reader\($0)@example.com"] },
        ]
        let path = harness.directory.appendingPathComponent("\(name).json").path
        try JSONSerialization.data(withJSONObject: campaign).write(to: URL(fileURLWithPath: path))
        return path
    }

    private static func refusingRelay() -> SMTPServerConfiguration {
        SMTPServerConfiguration(authentication: ServerAuthentication(mechanisms: [.plain], passwords: ["maild": "new-secret"], isRequired: true))
    }

    private static func login(_ harness: DaemonHarness, secret: String) throws -> String {
        let path = harness.directory.appendingPathComponent("password").path
        try "\(secret)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try harness.addToAccount("username = maild\npassword_file = \(path)\nallow_plaintext_auth = yes\nauth = plain")
        return path
    }

    /// Both accounts healthy: both send, each its share, and every recipient gets one message.
    @Test func healthyAccountsShareTheJob() async throws {
        let harness = try await DaemonHarness(concurrency: 1)
        defer { Task { await harness.stop() } }
        let backup = try await Self.addBackup(to: harness)
        defer { Task { try? await backup.stop() } }
        try harness.addToAccount("rate = 40/s")
        try await harness.startDaemon()
        let job = try await harness.submitJob(try Self.campaign(harness, count: 60, name: "shared"))
        let status = try await harness.waitForPolicyJob(job)
        #expect(counts(status)["sent"] == 60)
        #expect(status["accounts"] as? [String] == ["test", "backup"])
        #expect(status["account_pauses"] == nil)
        let first = harness.relay.messages.flatMap(\.recipients)
        let second = backup.messages.flatMap(\.recipients)
        #expect(!first.isEmpty && !second.isEmpty, "test sent \(first.count), backup \(second.count)")
        #expect(Set(first).isDisjoint(with: second))
        #expect(Set(first + second).count == 60 && first.count + second.count == 60)
        let text = try await harness.mailctl(["status", "\(job)"])
        #expect(text.standardOutput.contains("on accounts test, backup: completed"), "\(text.standardOutput)")
    }

    /// The first account's password was rotated (535): the job goes on through the backup
    /// instead of pausing, `mailctl status` says which account is out and why, nothing is
    /// spent on the refusal; after the fix, `mailctl resume` of the running job brings the
    /// account back and it sends the rest.
    @Test func aRefusedAccountHandsItsShareToTheOther() async throws {
        let harness = try await DaemonHarness(relay: Self.refusingRelay(), concurrency: 1)
        defer { Task { await harness.stop() } }
        // The backup is slow (2/s: 20 s for everyone) so that the job is still running when the
        // test looks and resumes.
        let backup = try await Self.addBackup(to: harness, settings: "rate = 2/s")
        defer { Task { try? await backup.stop() } }
        let secret = try Self.login(harness, secret: "old-secret")
        try await harness.startDaemon()
        let job = try await harness.submitJob(try Self.campaign(harness, count: 40, name: "failover"))

        var status: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            status = try await harness.jobStatus(job)
            if status["account_pauses"] != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let pauses = status["account_pauses"] as? [[String: Any]] ?? []
        #expect(pauses.count == 1 && pauses.first?["account"] as? String == "test", "\(status)")
        #expect((pauses.first?["reason"] as? String)?.contains("535") == true, "\(pauses)")
        #expect(status["state"] as? String == "running")
        let text = try await harness.mailctl(["status", "\(job)"])
        #expect(text.standardOutput.contains("account test taken out of this job: account test:"), "\(text.standardOutput)")
        #expect(text.standardOutput.contains("sending through backup; after the fix: mailctl resume \(job)"), "\(text.standardOutput)")
        try await backup.waitForMessages(count: 2, timeout: .seconds(20))
        #expect(harness.relay.messages.isEmpty)
        #expect(harness.daemonLog.contains("the job goes on through its other accounts"))

        try "new-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        harness.reloadConfiguration()
        let reloaded = ContinuousClock.now + .seconds(10)
        while !harness.daemonLog.contains("configuration reloaded"), ContinuousClock.now < reloaded {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(harness.daemonLog.contains("configuration reloaded"))
        #expect(try await harness.jobStatus(job)["state"] as? String == "running", "the backup alone needs 20 s")
        let resume = try await harness.mailctl(["resume", "\(job)"])
        #expect(resume.status == 0, "\(resume.standardOutput)\(resume.standardError)")
        let done = try await harness.waitForPolicyJob(job)
        #expect(counts(done)["sent"] == 40)
        #expect(done["account_pauses"] == nil)
        let first = harness.relay.messages.flatMap(\.recipients)
        let second = backup.messages.flatMap(\.recipients)
        #expect(!first.isEmpty, "after resume the fixed account sends again")
        #expect(Set(first + second).count == 40 && first.count + second.count == 40)
        // The refusal spent nothing: everyone went out at the first counted attempt.
        let attempts = try await harness.reportRows(job).compactMap { $0["attempts"] as? Int }
        #expect(attempts.count == 40 && attempts.allSatisfy { $0 == 1 }, "\(attempts)")
    }

    /// Every account of the job refused: then, and only then, the job pauses, with each
    /// account's reason.
    @Test func theJobPausesWhenNoAccountIsLeft() async throws {
        let harness = try await DaemonHarness(relay: Self.refusingRelay(), concurrency: 1)
        defer { Task { await harness.stop() } }
        let secret = try Self.login(harness, secret: "old-secret")
        let backup = try await Self.addBackup(to: harness, relay: Self.refusingRelay(), settings: """
            username = maild
            password_file = \(secret)
            allow_plaintext_auth = yes
            auth = plain
            """)
        defer { Task { try? await backup.stop() } }
        try await harness.startDaemon()
        let job = try await harness.submitJob(try Self.campaign(harness, count: 5, name: "nowhere"))
        let paused = try await harness.waitForPolicyJob(job, states: ["paused"])
        let pauses = (paused["account_pauses"] as? [[String: Any]] ?? []).compactMap { $0["account"] as? String }
        #expect(Set(pauses) == ["test", "backup"], "\(paused)")
        #expect((paused["pause_reason"] as? String)?.contains("535") == true, "\(paused)")
        #expect(counts(paused)["pending"] == 5)
        #expect(harness.relay.messages.isEmpty && backup.messages.isEmpty)
        let text = try await harness.mailctl(["status", "\(job)"])
        #expect(text.standardOutput.contains("mailctl resume \(job)"), "\(text.standardOutput)")
    }

    /// The first account hits its daily quota (SES's 454): it stops until its window resets
    /// and the backup sends the rest; the job never pauses and nothing is lost or doubled.
    @Test func anAccountAtItsQuotaHandsItsShareToTheOther() async throws {
        let script = ServerScript([
            ScriptRule(on: .dot, messages: .only(2), action: .reply(454, "Throttling failure: Daily message quota exceeded.")),
        ])
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script), concurrency: 1)
        defer { Task { await harness.stop() } }
        let backup = try await Self.addBackup(to: harness, settings: "rate = 20/s")
        defer { Task { try? await backup.stop() } }
        try harness.addToAccount("rate = 50/s")
        try await harness.startDaemon()
        let job = try await harness.submitJob(try Self.campaign(harness, count: 30, name: "quota"))
        var states: Set<String> = []
        let done = try await harness.waitForPolicyJob(job, observe: { states.insert($0["state"] as? String ?? "") })
        #expect(counts(done)["sent"] == 30)
        #expect(!states.contains("paused"))
        let first = harness.relay.messages.flatMap(\.recipients)
        let second = backup.messages.flatMap(\.recipients)
        #expect(Set(first + second).count == 30 && first.count + second.count == 30, "test \(first.count), backup \(second.count)")
        #expect(!second.isEmpty)
        // After the quota reply, the test account sent nothing more.
        let quotaAt = harness.relay.messages.count
        #expect(quotaAt <= 2, "the quota reply came at the 2nd transaction; test accepted \(quotaAt)")
    }

    /// The first account's own daily cap (`per_day = 3`, no reply needed): it sends its three
    /// and the backup sends the rest the same day.
    @Test func anAccountAtItsConfiguredDailyCapHandsTheRestToTheOther() async throws {
        let harness = try await DaemonHarness(concurrency: 1)
        defer { Task { await harness.stop() } }
        let backup = try await Self.addBackup(to: harness, settings: "rate = 20/s")
        defer { Task { try? await backup.stop() } }
        try harness.addToAccount("per_day = 3")
        try await harness.startDaemon()
        let job = try await harness.submitJob(try Self.campaign(harness, count: 40, name: "capped"))
        let done = try await harness.waitForPolicyJob(job)
        #expect(counts(done)["sent"] == 40)
        let first = harness.relay.messages.flatMap(\.recipients)
        let second = backup.messages.flatMap(\.recipients)
        // Both claim from the start (16 at a time), so the capped account sends its three.
        #expect(first.count == 3, "per_day = 3, sent \(first.count)")
        #expect(Set(first + second).count == 40 && first.count + second.count == 40)
    }

    /// The relay of the first account refuses the campaign's sender at MAIL (SendGrid's "does
    /// not match a verified Sender Identity", class account): the account is taken out at the
    /// first message, and that message and the rest go through the backup without an attempt
    /// spent on the refusal.
    @Test func anAccountRefusedAtMailHandsItsShareToTheOther() async throws {
        let script = ServerScript([
            ScriptRule(on: .mail, action: .reply(550, "5.7.1 The from address does not match a verified Sender Identity.")),
        ])
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script), concurrency: 1)
        defer { Task { await harness.stop() } }
        let backup = try await Self.addBackup(to: harness, settings: "rate = 10/s")
        defer { Task { try? await backup.stop() } }
        try await harness.startDaemon()
        let job = try await harness.submitJob(try Self.campaign(harness, count: 20, name: "identity"))
        let done = try await harness.waitForPolicyJob(job, states: ["completed", "paused"])
        #expect(done["state"] as? String == "completed", "\(done)")
        #expect(counts(done)["sent"] == 20)
        #expect(harness.relay.messages.isEmpty)
        #expect(Set(backup.messages.flatMap(\.recipients)).count == 20 && backup.messages.count == 20)
        let attempts = try await harness.reportRows(job).compactMap { $0["attempts"] as? Int }
        #expect(attempts.count == 20 && attempts.allSatisfy { $0 == 1 }, "\(attempts)")
        #expect(harness.daemonLog.contains("the job goes on through its other accounts"))
    }
}
