import Foundation
import SMTPServer
import Testing

/// The real maild and mailctl binaries against the project's SMTP server.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct EndToEndTests {
    @Test func submitWatchReportDeliversEveryPersonalizedMessage() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let campaign = try harness.writeCampaign(count: 200)
        let submit = try await harness.mailctl(["submit", campaign])
        #expect(submit.status == 0, "\(submit.standardError)")
        let jobID = submit.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(jobID) != nil)

        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.status == 0, "\(watch.standardOutput)\(watch.standardError)")
        #expect(watch.standardOutput.contains("completed: 200 sent, 0 failed"))

        let messages = try await harness.relay.waitForMessages(count: 200)
        #expect(Set(messages.flatMap(\.recipients)).count == 200)
        let first = try #require(messages.first { $0.recipients == ["user7@example.com"] })
        let text = String(decoding: first.data, as: UTF8.self)
        #expect(text.contains("Subject: Hello User 7"))
        #expect(text.contains("Dear User 7,"))

        let report = try await harness.mailctl(["report", jobID])
        let rows = report.standardOutput.split(separator: "\n").dropFirst()
        #expect(rows.count == 200)
        #expect(rows.allSatisfy { $0.contains(",sent,1,success,") })

        let status = try await harness.mailctl(["status", jobID, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any])
        #expect(object["state"] as? String == "completed")
        #expect((object["counts"] as? [String: Any])?["sent"] as? Int == 200)

        // Watching the finished job shows its state once, not once per frame the daemon sends.
        let again = try await harness.mailctl(["watch", jobID])
        #expect(again.standardOutput.split(separator: "\n").filter { $0.hasPrefix("job \(jobID) [") }.count == 1, "\(again.standardOutput)")
        let againJSON = try await harness.mailctl(["watch", jobID, "--json"])
        #expect(againJSON.standardOutput.split(separator: "\n").count == 1, "\(againJSON.standardOutput)")
    }

    @Test func pauseResumeAndCancelAScheduledJob() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let campaign = try harness.writeCampaign(count: 20, sendAt: "2099-01-01T00:00:00Z")
        let submit = try await harness.mailctl(["submit", campaign, "--json"])
        #expect(submit.status == 0, "\(submit.standardError)")
        let submitted = try #require(try JSONSerialization.jsonObject(with: Data(submit.standardOutput.utf8)) as? [String: Any])
        #expect(submitted["state"] as? String == "scheduled")
        let jobID = try #require(submitted["job_id"] as? Int)

        let pause = try await harness.mailctl(["pause", "\(jobID)", "--reason", "waiting for legal"])
        #expect(pause.standardOutput.contains("paused (waiting for legal)"))
        let resume = try await harness.mailctl(["resume", "\(jobID)", "--json"])
        #expect(resume.standardOutput.contains("\"state\":\"scheduled\"") || resume.standardOutput.contains("\"state\":\"queued\""), "\(resume.standardOutput)")
        let cancel = try await harness.mailctl(["cancel", "\(jobID)", "--json"])
        #expect(cancel.standardOutput.contains("\"state\":\"cancelled\""))
        #expect(cancel.standardOutput.contains("\"cancelled\":20"))
        let watch = try await harness.mailctl(["watch", "\(jobID)"])
        #expect(watch.status == 3)
        #expect(harness.relay.messages.isEmpty)
    }

    /// Messages on the wire when a job is cancelled finish after the cancel: watch, status and
    /// list end with their outcomes, not with the counts of the moment of the cancel.
    @Test func aJobCancelledWhileSendingEndsWithTheOutcomesOfTheMessagesOnTheWire() async throws {
        let script = ServerScript([ScriptRule(on: .dot, action: ServerAction.standard.delayed(by: .milliseconds(400)))])
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script, recordLimit: nil), concurrency: 2)
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let jobID = try await harness.submit(try harness.writeCampaign(count: 40))
        try await waitUntil(.seconds(30), "the first messages at the relay") { harness.relay.messages.count >= 2 }
        let cancel = try await harness.mailctl(["cancel", jobID, "--json"])
        #expect(cancel.status == 0, "\(cancel.standardError)")
        #expect(!cancel.standardOutput.contains("\"sending\":0,"), "the cancel should find messages on the wire: \(cancel.standardOutput)")

        let watch = try await harness.mailctl(["watch", jobID, "--json"])
        #expect(watch.status == 3, "\(watch.standardOutput)\(watch.standardError)")
        let final = try #require(watch.standardOutput.split(separator: "\n").last.map(String.init))
        let delivered = harness.relay.messages.count
        #expect(final.contains("\"sending\":0,"), "\(final)")
        #expect(final.contains("\"sent\":\(delivered),"), "relay has \(delivered): \(final)")
        let status = try await harness.mailctl(["status", jobID, "--json"])
        #expect(status.standardOutput.contains("\"sending\":0,"), "\(status.standardOutput)")
        #expect(status.standardOutput.contains("\"sent\":\(delivered),"), "relay has \(delivered): \(status.standardOutput)")
    }

    @Test func permanentRejectionsFailAndTheWatchExitStatusSaysSo() async throws {
        let script = ServerScript([ScriptRule(on: .rcpt, recipient: "user3@example.com",
                                              action: .reply(550, "5.1.1 <user3@example.com>: Recipient address rejected: User unknown"))])
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script))
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let campaign = try harness.writeCampaign(count: 5)
        let submit = try await harness.mailctl(["submit", campaign, "--watch"])
        #expect(submit.status == 2, "\(submit.standardOutput)\(submit.standardError)")
        let jobID = submit.standardOutput.split(separator: "\n").first.map(String.init) ?? ""
        let report = try await harness.mailctl(["report", jobID, "--format", "json", "--state", "failed"])
        #expect(report.standardOutput.contains("\"address\":\"user3@example.com\""))
        #expect(report.standardOutput.contains("\"last_class\":\"bounce\""))
        #expect(report.standardOutput.contains("\"last_enhanced_code\":\"5.1.1\""))
    }

    @Test func invalidCampaignListsEveryProblemAndCreatesNoJob() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let path = harness.directory.appendingPathComponent("bad.json").path
        try #"{"name":"x","acount":"test","from":"a@example.org","subject":"s","text":"t","recipients":[{"email":"bob@"}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let submit = try await harness.mailctl(["submit", path])
        #expect(submit.status == 1)
        #expect(submit.standardError.contains("acount"))
        #expect(submit.standardError.contains("recipients[0]"))
        let list = try await harness.mailctl(["list", "--all", "--json"])
        #expect(list.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }

    @Test func anotherUserIsRefusedAtHello() async throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        // The socket is 0666 here so the kernel lets nobody connect; maild itself must refuse.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: harness.directory.path)
        let refused = try await harness.mailctl(["list"], asUser: 65534)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("uid 65534 may not use maild"), "\(refused.standardError)")
    }

    @Test func verifyAccountChecksTheConfiguredRelayThroughTheDaemon() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let verify = try await harness.mailctl(["verify", "test"])
        #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")
        #expect(verify.standardOutput.contains("Server       127.0.0.1:\(harness.relayPort)"))
        #expect(verify.standardOutput.contains("Extensions   "))
        #expect(verify.standardOutput.contains("OK: every check passed"))

        let unknown = try await harness.mailctl(["verify", "nosuch", "--json"])
        #expect(unknown.status == 1)
        #expect(unknown.standardOutput.contains("not configured (configured: test)"), "\(unknown.standardOutput)")

        // The relay goes away: the failure names the stage and its class.
        try await harness.relay.stop()
        let down = try await harness.mailctl(["verify", "test"])
        #expect(down.status == 1)
        #expect(down.standardOutput.contains("FAILED at connect"), "\(down.standardOutput)")
        #expect(down.standardOutput.contains("class      transient"), "\(down.standardOutput)")

        let both = try await harness.mailctl(["verify", "test", "--host", "127.0.0.1"])
        #expect(both.status != 0)
        #expect(both.standardError.contains("not both"))
    }
}
