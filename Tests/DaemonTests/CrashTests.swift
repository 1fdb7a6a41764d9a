import Foundation
import SMTPServer
import Testing

/// kill -9 at random moments while sending: nothing is lost, duplicates stay among the
/// messages in flight, and a re-sent message carries the Message-ID of its first sending.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct CrashTests {
    /// 5,000 recipients and 5 kills in the suite; bench/crash-scale.sh runs the same test with
    /// MAILD_CRASH_RECIPIENTS=50000 MAILD_CRASH_KILLS=20.
    static let environment = ProcessInfo.processInfo.environment
    static let recipients = environment["MAILD_CRASH_RECIPIENTS"].flatMap(Int.init) ?? 5_000
    static let killCount = environment["MAILD_CRASH_KILLS"].flatMap(Int.init) ?? 5

    @Test func sigkillAtRandomMomentsLosesNoRecipient() async throws {
        // 10 ms per message at the relay (about 800 messages/s over four sessions), so the
        // job is still sending when the last kill comes.
        let relay = SMTPServerConfiguration(script: ServerScript([ScriptRule(on: .dot, action: ServerAction.standard.delayed(by: .milliseconds(10)))]),
                                            recordLimit: nil)
        let harness = try await DaemonHarness(relay: relay, concurrency: 4)
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let total = Self.recipients
        let campaign = try harness.writeCampaign(count: total)
        let submit = try await harness.mailctl(["submit", campaign])
        #expect(submit.status == 0, "\(submit.standardError)")
        let jobID = submit.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        var kills = 0
        while kills < Self.killCount {
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...900)))
            let delivered = harness.relay.messages.count
            if delivered >= total { break }
            await harness.kill(signal: SIGKILL)
            kills += 1
            try await harness.startDaemon()
        }
        #expect(kills == Self.killCount, "delivery finished after \(kills) of \(Self.killCount) kills")
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.status == 0, "\(watch.standardOutput.suffix(400))\(watch.standardError)")

        let messages = harness.relay.messages
        var byRecipient: [String: [String]] = [:]
        for message in messages {
            let text = String(decoding: message.data, as: UTF8.self)
            let id = text.split(separator: "\r\n").first { $0.lowercased().hasPrefix("message-id:") }.map(String.init) ?? ""
            for recipient in message.recipients { byRecipient[recipient, default: []].append(id) }
        }
        #expect(byRecipient.count == total, "every recipient delivered at least once")
        let duplicates = messages.count - byRecipient.count
        // Duplicates only among the messages in flight at a kill: every recipient that got more
        // than one copy is one the restart found claimed, and `mailctl report` says so.
        let report = try await harness.mailctl(["report", jobID, "--format", "json"])
        var interrupted: [String: Int] = [:]
        for line in report.standardOutput.split(separator: "\n") {
            let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if let address = row?["address"] as? String {
                interrupted[address] = (row?["interrupted_sends"] ?? row?["interruptedSends"]) as? Int ?? 0
            }
        }
        #expect(interrupted.count == total, "\(report.standardError)")
        for (recipient, ids) in byRecipient where ids.count > 1 {
            #expect(ids.count - 1 <= interrupted[recipient] ?? 0,
                    "\(recipient) got \(ids.count) copies but the report shows \(interrupted[recipient] ?? 0) interrupted sends")
        }
        // At a kill, each worker can have its claimed batch plus its uncommitted outcomes in flight.
        let inFlightAtKills = interrupted.values.reduce(0, +)
        #expect(inFlightAtKills <= kills * 4 * (16 + 256), "\(inFlightAtKills) recipients claimed at \(kills) kills")
        #expect(duplicates <= inFlightAtKills, "\(duplicates) duplicates after \(kills) kills")
        for (recipient, ids) in byRecipient where ids.count > 1 {
            #expect(Set(ids).count == 1, "\(recipient) was re-sent with a different Message-ID: \(ids)")
        }
        let status = try await harness.mailctl(["status", jobID, "--json"])
        #expect(status.standardOutput.contains("\"sent\":\(total)"))
        print("crash test: \(kills) kills, \(messages.count) messages for \(total) recipients, \(duplicates) duplicates, \(inFlightAtKills) recipients claimed at the kills")
    }

    /// kill -9 while a submit is uploading: no partial job appears, and the same submit
    /// retried with its idempotency key creates the job once, whole.
    @Test func sigkillDuringSubmitLeavesNoPartialJob() async throws {
        let harness = try await DaemonHarness(concurrency: 2)
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let total = 60_000
        let campaign = try harness.writeCampaign(count: total, sendAt: "2099-01-01T00:00:00Z")
        let key = "crash-during-submit"
        let upload = Task { try await harness.mailctl(["submit", campaign, "--idempotency-key", key]) }
        // Kill once the upload is under way (the staging job exists) but before it can finish.
        let staged = try await Self.waitForStaging(harness)
        await harness.kill(signal: SIGKILL)
        let interrupted = try await upload.value
        #expect(interrupted.status != 0, "the submit cannot have been acknowledged: \(interrupted.standardError)")
        try await harness.startDaemon()
        let list = try await harness.mailctl(["list", "--all", "--json"])
        #expect(list.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "a partial job is visible: \(list.standardOutput)")

        let retried = try await harness.mailctl(["submit", campaign, "--idempotency-key", key, "--json"])
        #expect(retried.status == 0, "\(retried.standardError)")
        #expect(retried.standardOutput.contains("\"total\":\(total)"), "\(retried.standardOutput)")
        let jobs = try await harness.mailctl(["list", "--all", "--json"])
        #expect(jobs.standardOutput.components(separatedBy: "\"job_id\"").count == 2, "\(jobs.standardOutput)")
        print("crash during submit: killed with \(staged) recipients staged")
    }

    /// Polls the database file for a staging job with recipients, read-only, as sqlite3 would.
    static func waitForStaging(_ harness: DaemonHarness) async throws -> Int {
        for _ in 0..<400 {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            let script = "import sqlite3,sys; db=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); "
                + "print(db.execute(\"select count(*) from recipients r join jobs j on j.id=r.job_id where j.state='staging'\").fetchone()[0])"
            probe.arguments = ["-c", script, harness.databasePath]
            let output = Pipe()
            probe.standardOutput = output
            probe.standardError = FileHandle.nullDevice
            try probe.run()
            probe.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if let count = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), count > 0 { return count }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw HarnessError("no staging job appeared")
    }
}
