import Daemon
import Foundation
import Glibc
import Testing

/// maild's `[limits]`, enforced by the daemon itself: through mailctl (whose own checks use the
/// larger built-in defaults, so the daemon's word is what stops these uploads) and from a raw
/// client that skips mailctl altogether. A refusal is `limit_exceeded` naming the limit, both
/// values and the key, and leaves no job, not even a staging one.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct LimitsTests {
    static let specLimits = """
        [limits]
        max_attachments = 2
        max_attachment_size = 1K
        max_total_attachment_size = 1536
        max_template_size = 1K
        """

    @Test func recipientsBeyondMaxRecipientsAreRefusedAndDiscarded() async throws {
        let harness = try await DaemonHarness(extraConfiguration: "[limits]\nmax_recipients = 100")
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let path = harness.configurationPath

        // A raw client uploading in chunks: the running count crosses the limit in the third.
        let client = try RawIPCClient(socketPath: harness.socketPath)
        defer { client.close() }
        _ = try client.call(#"{"id":1,"type":"hello","body":{"protocol_version":1,"client":"limits"}}"#)
        let started = try client.call(#"{"id":2,"type":"submit_begin","body":{"spec":"\#(RawIPCClient.spec())","idempotency_key":"over"}}"#)
        let jobID = try #require((started["body"] as? [String: Any])?["job_id"] as? Int, "\(started)")
        for (index, range) in [(1...40), (41...80)].enumerated() {
            let accepted = try client.call(RawIPCClient.chunk(id: 3 + index, jobID: jobID, range))
            #expect(accepted["type"] as? String == "chunk_accepted", "\(accepted)")
        }
        let refused = try client.call(RawIPCClient.chunk(id: 5, jobID: jobID, 81...120))
        #expect(refused["type"] as? String == "error")
        let failure = try #require(refused["body"] as? [String: Any])
        #expect(failure["code"] as? String == "limit_exceeded")
        #expect(failure["message"] as? String == "upload of job \(jobID) refused and discarded, nothing was kept: recipients: 120 recipients, more than the 100 a job may have (max_recipients in [limits] of \(path)); split the list into several campaigns")
        let commit = try client.call(#"{"id":6,"type":"submit_commit","body":{"job_id":\#(jobID),"duplicates_removed_by_client":0,"skipped_by_client":0}}"#)
        #expect((commit["body"] as? [String: Any])?["code"] as? String == "invalid_state", "\(commit)")
        #expect(try await Self.rowCounts(harness) == [0, 0], "the staging job and its 80 recipients are gone")

        // mailctl learns the daemon's limits at hello and refuses at the line that crosses it.
        let over = try await harness.mailctl(["submit", try harness.writeCampaign(count: 101, name: "over")])
        #expect(over.status == 1)
        #expect(over.standardError.contains("over.csv has more than the 100 recipients a job may have: line 102 holds recipient 101 (max_recipients in maild's [limits])"),
                "\(over.standardError)")
        #expect(try await Self.rowCounts(harness) == [0, 0])

        let exact = try await harness.mailctl(["submit", try harness.writeCampaign(count: 100, sendAt: "2099-01-01T00:00:00Z", name: "exact")])
        #expect(exact.status == 0, "\(exact.standardError)")
        #expect(try await Self.rowCounts(harness) == [1, 100])
        #expect(harness.daemonLog.contains("upload refused: over max_recipients; discarded"))
    }

    @Test func specsBeyondTheLimitsAreRefusedAtSubmitBegin() async throws {
        let harness = try await DaemonHarness(extraConfiguration: Self.specLimits)
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let path = harness.configurationPath
        let suffix = " in [limits] of \(path))"

        // mailctl checks the daemon's configured limits (told at hello) before uploading.
        let local = " in maild's [limits])"
        let cases: [(attachments: [Int], text: Int, expected: String)] = [
            ([1500], 10, "c0.json: attachments[0]: 1.5 KiB, larger than the 1 KiB limit for one attachment (max_attachment_size" + local),
            ([1000, 1000], 10, "c1.json: attachments: 2.0 KiB of attachments in all, more than the 1.5 KiB limit (max_total_attachment_size" + local),
            ([10, 10, 10], 10, "c2.json: attachments: 3 attachments, more than the 2 a campaign may have (max_attachments" + local),
            ([], 2048, "c3.json: text: 2 KiB, larger than the 1 KiB limit for one template (max_template_size" + local),
        ]
        for (index, testCase) in cases.enumerated() {
            let campaign = try Self.writeCampaign(harness, name: "c\(index)", attachments: testCase.attachments, textSize: testCase.text)
            let submit = try await harness.mailctl(["submit", campaign])
            #expect(submit.status == 1)
            #expect(submit.standardError.contains(testCase.expected), "\(submit.standardError)")
        }
        #expect(try await Self.rowCounts(harness) == [0, 0], "no job was created for a refused spec")

        // A raw client sending the spec directly is refused by maild itself.
        let client = try RawIPCClient(socketPath: harness.socketPath)
        defer { client.close() }
        _ = try client.call(#"{"id":1,"type":"hello","body":{"protocol_version":1,"client":"limits"}}"#)
        let attachment = #"{"filename":"a.bin","content_type":"application/octet-stream","data":"\#(Data(count: 4000).base64EncodedString())"}"#
        let refused = try client.call(#"{"id":2,"type":"submit_begin","body":{"spec":"\#(RawIPCClient.spec(attachments: [attachment]))","idempotency_key":"raw"}}"#)
        let failure = try #require(refused["body"] as? [String: Any], "\(refused)")
        #expect(failure["code"] as? String == "limit_exceeded")
        #expect(failure["message"] as? String == "campaign refused: attachments[0]: 3.9 KiB, larger than the 1 KiB limit for one attachment (max_attachment_size\(suffix); "
                + "attachments: 3.9 KiB of attachments in all, more than the 1.5 KiB limit (max_total_attachment_size\(suffix)")
        #expect(try await Self.rowCounts(harness) == [0, 0])

        // At the limits: accepted.
        let fits = try Self.writeCampaign(harness, name: "fits", attachments: [1024, 512], textSize: 1024)
        let submit = try await harness.mailctl(["submit", fits])
        #expect(submit.status == 0, "\(submit.standardError)")
        #expect(try await Self.rowCounts(harness) == [1, 3])
    }

    @Test func theLimitsSectionIsCheckedLikeTheRest() throws {
        let account = "[account relay]\nhost = 127.0.0.1\ntls = none\n"
        let parsed = try DaemonConfiguration.parse("[limits]\nmax_recipients = 2_000_000\nmax_attachment_size = 2M\nmax_template_size = 64 KiB\n" + account,
                                                   path: "/etc/maild/maild.conf")
        #expect(parsed.limits.maximumRecipients == 2_000_000)
        #expect(parsed.limits.maximumAttachmentSize == 2 << 20)
        #expect(parsed.limits.maximumTemplateSize == 64 << 10)
        #expect(parsed.limits.maximumTotalAttachmentSize == 8 << 20)
        #expect(try DaemonConfiguration.parse(account, path: "/etc/maild/maild.conf").limits == .standard)

        let error = #expect(throws: ConfigurationError.self) {
            try DaemonConfiguration.parse("""
                [limits]
                max_recipients = 0
                max_attachment_size = 5 parsecs
                max_total_attachment_size = 12M
                max_atachments = 3
                """ + "\n" + account, path: "/etc/maild/maild.conf")
        }
        #expect(error?.problems.map(\.description) == [
            "/etc/maild/maild.conf:5: unknown key \"max_atachments\" in [limits] (did you mean \"max_attachments\"?)",
            "/etc/maild/maild.conf:2: max_recipients: \"0\" is not a whole number in 1...100000000",
            "/etc/maild/maild.conf:3: max_attachment_size: \"5 parsecs\" is not a size from 0 bytes to 16M (examples: 65536, 512K, 5M)",
            "/etc/maild/maild.conf:4: max_total_attachment_size: a campaign at these limits would need an IPC frame of about 22.4 MiB, more than the 16 MiB a frame may have "
                + "(the spec crosses the socket in one frame, attachments base64 twice); lower max_total_attachment_size or max_template_size",
        ])
        let inverted = #expect(throws: ConfigurationError.self) {
            try DaemonConfiguration.parse("[limits]\nmax_attachment_size = 6M\nmax_total_attachment_size = 4M\n" + account, path: "/etc/maild/maild.conf")
        }
        #expect(inverted?.problems.map(\.description) == [
            "/etc/maild/maild.conf:2: max_attachment_size: 6 MiB is more than max_total_attachment_size (4 MiB), so it could never be reached",
        ])
    }

    /// A campaign with attachments of the given sizes and a text body of `textSize` bytes.
    static func writeCampaign(_ harness: DaemonHarness, name: String, attachments: [Int], textSize: Int) throws -> String {
        var files: [[String: String]] = []
        for (index, size) in attachments.enumerated() {
            let file = harness.directory.appendingPathComponent("\(name)-\(index).bin")
            try Data(repeating: 0x61, count: size).write(to: file)
            files.append(["path": file.path])
        }
        let campaign: [String: Any] = [
            "name": name, "account": "test", "from": "Sender <sender@example.org>", "subject": "Hello",
            "text": String(repeating: "t", count: textSize), "attachments": files, "send_at": "2099-01-01T00:00:00Z",
            "recipients": [["email": "a@example.com"], ["email": "b@example.com"], ["email": "c@example.com"]],
        ]
        let path = harness.directory.appendingPathComponent("\(name).json").path
        try JSONSerialization.data(withJSONObject: campaign).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Jobs (staging ones included) and recipients in the database, read-only beside maild.
    static func rowCounts(_ harness: DaemonHarness) async throws -> [Int] {
        let run = try await runTool("/usr/bin/python3", ["-c", """
            import sqlite3, sys
            db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
            print(db.execute('select count(*) from jobs').fetchone()[0], db.execute('select count(*) from recipients').fetchone()[0])
            """, harness.databasePath])
        return run.output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
