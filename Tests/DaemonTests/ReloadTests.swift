import Foundation
import Testing

/// SIGHUP re-reads maild.conf while jobs run: a valid file takes effect (limits, accounts)
/// without stopping anything; an invalid one is refused with its problems logged, and the
/// running configuration stays. Either way systemd hears RELOADING=1, then READY=1.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ReloadTests {
    /// maild with one account, started with a notify socket, once it said READY=1.
    static func launchWatched() async throws -> (DaemonHarness, NotifySocket, Process) {
        let harness = try await DaemonHarness(concurrency: 1)
        let notify = try NotifySocket(directory: harness.directory)
        let process = try harness.launchDaemon(environment: ["NOTIFY_SOCKET": notify.path])
        _ = try await notify.first { $0["READY"] == "1" }
        return (harness, notify, process)
    }

    /// SIGHUP, then systemd's RELOADING=1 and READY=1 after it.
    static func reload(_ process: Process, _ notify: NotifySocket) async throws {
        let before = notify.messages.count
        kill(process.processIdentifier, SIGHUP)
        let (reloading, _) = try await notify.first(from: before) { $0["RELOADING"] == "1" }
        _ = try await notify.first(from: reloading + 1) { $0["READY"] == "1" }
    }

    @Test func validReloadChangesALimitAndAddsAnAccountWhileTheJobRuns() async throws {
        let harness = try await DaemonHarness(concurrency: 1)
        defer { Task { await harness.stop() } }
        // 1/min: after its first message the job would need ten minutes for the rest.
        try harness.editConfiguration { $0.replacingOccurrences(of: "concurrency = 1", with: "concurrency = 1\nrate = 1/min") }
        let notify = try NotifySocket(directory: harness.directory)
        defer { notify.close() }
        let process = try harness.launchDaemon(environment: ["NOTIFY_SOCKET": notify.path])
        _ = try await notify.first { $0["READY"] == "1" }
        let jobID = try await harness.submit(try harness.writeCampaign(count: 10))
        try await waitUntil(.seconds(30), "the first message") { try await harness.jobStatus(jobID).sent == 1 }
        #expect(try await harness.jobStatus(jobID).state == "running")

        try harness.editConfiguration { text in
            text.replacingOccurrences(of: "rate = 1/min", with: "rate = 6000/min")
                + "\n\n[account second]\nhost = 127.0.0.1\nport = \(harness.relayPort)\ntls = none\nconcurrency = 1\n"
        }
        try await Self.reload(process, notify)
        #expect(harness.daemonLog.contains("configuration reloaded"), "\(harness.daemonLog)")

        // The same job, never stopped, finishes under the new limit.
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.standardOutput.contains("completed: 10 sent, 0 failed"), "\(watch.standardOutput)\(harness.daemonLog)")
        #expect(!harness.daemonLog.contains("job paused"))
        // The new account sends.
        let second = try await harness.submit(try harness.writeCampaign(count: 3, account: "second", name: "second"))
        let secondWatch = try await harness.mailctl(["watch", second])
        #expect(secondWatch.standardOutput.contains("completed: 3 sent, 0 failed"), "\(secondWatch.standardOutput)\(harness.daemonLog)")
        _ = try await harness.relay.waitForMessages(count: 13)
        #expect(process.isRunning)
    }

    /// A reload that removes the account a job sends through pauses the job with a reason
    /// that says what to do (it used to show `running` forever, sending nothing); resume is
    /// refused until the account is back.
    @Test func aReloadThatRemovesAJobsAccountPausesTheJobWithTheReason() async throws {
        let (harness, notify, process) = try await Self.launchWatched()
        defer {
            notify.close()
            Task { await harness.stop() }
        }
        let jobID = try await harness.submit(try harness.writeCampaign(count: 3, sendAt: "2099-01-01T00:00:00Z"))

        let original = try String(contentsOfFile: harness.configurationPath, encoding: .utf8)
        try harness.editConfiguration { $0.replacingOccurrences(of: "[account test]", with: "[account renamed]") }
        try await Self.reload(process, notify)
        try await waitUntil(.seconds(10), "the job paused") { try await harness.jobStatus(jobID).state == "paused" }
        let status = try await harness.mailctl(["status", jobID])
        #expect(status.standardOutput.contains("account test: not in maild.conf; add it back and `mailctl resume` the job, or cancel it"),
                "\(status.standardOutput)")
        let refused = try await harness.mailctl(["resume", jobID])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("job \(jobID) sends through test, not in maild.conf"), "\(refused.standardError)")

        try original.write(toFile: harness.configurationPath, atomically: true, encoding: .utf8)
        try await Self.reload(process, notify)
        let resumed = try await harness.mailctl(["resume", jobID])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(try await harness.jobStatus(jobID).state == "scheduled")
    }

    /// A job with two accounts, one removed by a reload: it goes on through the other, and a
    /// resume (after an operator's pause) does not give it the removed one back.
    @Test func aResumeLeavesAnUnconfiguredAccountOutOfTheJob() async throws {
        let (harness, notify, process) = try await Self.launchWatched()
        defer {
            notify.close()
            Task { await harness.stop() }
        }
        let second = "\n\n[account second]\nhost = 127.0.0.1\nport = \(harness.relayPort)\ntls = none\nconcurrency = 1\n"
        let original = try String(contentsOfFile: harness.configurationPath, encoding: .utf8)
        try (original + second).write(toFile: harness.configurationPath, atomically: true, encoding: .utf8)
        try await Self.reload(process, notify)
        let campaign: [String: Any] = [
            "name": "both", "accounts": ["test", "second"], "from": "News <news@example.org>", "subject": "Hi", "text": "Hi.\n",
            "send_at": "2099-01-01T00:00:00Z", "recipients": [["email": "a@example.com"]],
        ]
        let path = harness.directory.appendingPathComponent("both.json").path
        try JSONSerialization.data(withJSONObject: campaign).write(to: URL(fileURLWithPath: path))
        let jobID = try await harness.submit(path)

        try original.write(toFile: harness.configurationPath, atomically: true, encoding: .utf8)
        try await Self.reload(process, notify)
        func pauses() async throws -> String {
            try await harness.mailctl(["status", jobID, "--json"]).standardOutput
        }
        try await waitUntil(.seconds(10), "second taken out of the job") { try await pauses().contains("account second: not in maild.conf") }
        #expect(try await harness.jobStatus(jobID).state == "scheduled")
        #expect(try await harness.mailctl(["pause", jobID]).status == 0)
        #expect(try await harness.mailctl(["resume", jobID]).status == 0)
        let after = try await pauses()
        #expect(after.contains("account second: not in maild.conf"), "the resume gave the job its removed account back: \(after)")
    }

    /// A new unsubscribe key makes every link already sent fail its token check: the reload
    /// says so, since that is rarely what an operator meant.
    @Test func aReloadThatChangesTheUnsubscribeKeyWarns() async throws {
        let (harness, notify, process) = try await Self.launchWatched()
        defer {
            notify.close()
            Task { await harness.stop() }
        }
        let key = harness.directory.appendingPathComponent("new.key").path
        try Data((0..<32).map { UInt8($0) }).write(to: URL(fileURLWithPath: key))
        try harness.editConfiguration { $0.replacingOccurrences(of: "[daemon]\n", with: "[daemon]\nunsubscribe_key_file = \(key)\n") }
        try await Self.reload(process, notify)
        try await waitUntil(.seconds(10), "the warning") { harness.daemonLog.contains("the unsubscribe key changed") }
        // The same key again: nothing to say.
        let warnings = harness.daemonLog.components(separatedBy: "the unsubscribe key changed").count
        try await Self.reload(process, notify)
        #expect(harness.daemonLog.components(separatedBy: "the unsubscribe key changed").count == warnings)
    }

    @Test func invalidReloadIsRefusedWithItsReasonsAndTheOldConfigurationKeepsSending() async throws {
        let (harness, notify, process) = try await Self.launchWatched()
        defer {
            notify.close()
            Task { await harness.stop() }
        }

        // Two mistakes, and the account the jobs use renamed away.
        try harness.editConfiguration { text in
            text.replacingOccurrences(of: "[account test]", with: "[account renamed]")
                .replacingOccurrences(of: "tls = none", with: "tls = sometimes\nrat = 5/min")
        }
        try await Self.reload(process, notify)
        try await waitUntil(.seconds(10), "the refusal to be logged") { harness.daemonLog.contains("configuration reload refused") }
        let log = harness.daemonLog
        #expect(log.contains("configuration problem: \(harness.configurationPath)"), "\(log)")
        #expect(log.contains("\"sometimes\" is not one of implicit, starttls, none"), "\(log)")
        #expect(log.contains("unknown key \"rat\""), "\(log)")

        // Still the old configuration: account "test" exists and sends.
        let jobID = try await harness.submit(try harness.writeCampaign(count: 4))
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.standardOutput.contains("completed: 4 sent, 0 failed"), "\(watch.standardOutput)\(harness.daemonLog)")
        let renamed = try await harness.mailctl(["submit", try harness.writeCampaign(count: 1, account: "renamed", name: "renamed")])
        #expect(renamed.status != 0, "a job for the refused configuration's account was accepted")
        #expect(process.isRunning)
    }

    /// `systemd-run ... maild --check-config` before a reload or restart must refuse exactly
    /// what maild would, and leave nothing behind (no key created as root in the state folder).
    @Test func checkConfigRefusesWhatStartupRefusesAndCreatesNothing() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        let maild = DaemonHarness.binary("maild").path
        let valid = try await runTool(maild, ["--check-config", "--config", harness.configurationPath])
        #expect(valid.status == 0, "\(valid.errors)")
        #expect(valid.output.contains("OK (1 account(s))"))
        #expect(!FileManager.default.fileExists(atPath: harness.directory.appendingPathComponent("unsubscribe.key").path))

        try harness.editConfiguration { $0.replacingOccurrences(of: "[delivery]", with: "[delivery]\nclassification_rules = missing.rules") }
        let invalid = try await runTool(maild, ["--check-config", "--config", harness.configurationPath])
        #expect(invalid.status == 78, "\(invalid.output)\(invalid.errors)")
        #expect(invalid.errors.contains("missing.rules"))
        let started = try await runTool(maild, ["--config", harness.configurationPath])
        #expect(started.status == 78, "startup must refuse it the same way: \(started.errors)")
    }
}
