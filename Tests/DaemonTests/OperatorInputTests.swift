import Foundation
import Testing

/// What operators type into mailctl, and raw clients send in its place: states, reasons and
/// addresses that cannot be right are refused with what was wrong, never taken silently.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OperatorInputTests {
    @Test func reportRefusesAnUnknownStateAndPrintsNothingForAMissingJob() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let jobID = try await harness.submit(try harness.writeCampaign(count: 2, sendAt: "2099-01-01T00:00:00Z"))

        let bogus = try await harness.mailctl(["report", jobID, "--state", "bogus"])
        #expect(bogus.status == 64, "\(bogus.standardOutput)\(bogus.standardError)")
        #expect(bogus.standardOutput.isEmpty, "\(bogus.standardOutput)")
        for state in ["pending", "sending", "sent", "deferred", "failed", "skipped", "cancelled"] {
            #expect(bogus.standardError.contains(state), "\(bogus.standardError)")
        }
        let pending = try await harness.mailctl(["report", jobID, "--state", "pending"])
        #expect(pending.status == 0, "\(pending.standardError)")
        #expect(pending.standardOutput.split(separator: "\n").count == 3, "\(pending.standardOutput)")

        let missing = try await harness.mailctl(["report", "99"])
        #expect(missing.status == 1, "\(missing.standardError)")
        #expect(missing.standardOutput.isEmpty, "\(missing.standardOutput)")
        #expect(missing.standardError.contains("99"), "\(missing.standardError)")
    }

    /// Pausing, resuming or cancelling a job whose state does not allow it is the client's
    /// mistake: `invalid_state` with the state, not "maild could not complete" (`unavailable`).
    @Test func controlRequestsAJobsStateRefusesAreInvalidState() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let jobID = try await harness.submit(try harness.writeCampaign(count: 2))
        #expect(try await harness.mailctl(["watch", jobID]).status == 0)

        let pause = try await harness.mailctl(["pause", jobID])
        #expect(pause.status == 1)
        #expect(pause.standardError.contains("cannot pause job \(jobID): it is completed"), "\(pause.standardError)")
        #expect(!pause.standardError.contains("could not complete"), "\(pause.standardError)")

        let client = try RawIPCClient(socketPath: harness.socketPath)
        defer { client.close() }
        _ = try client.call(#"{"id":1,"type":"hello","body":{"protocol_version":1,"client":"states"}}"#)
        for (id, type) in [(2, "pause"), (3, "resume"), (4, "cancel")] {
            let answer = try client.call(#"{"id":\#(id),"type":"\#(type)","body":{"job_id":\#(jobID)}}"#)
            #expect((answer["body"] as? [String: Any])?["code"] as? String == "invalid_state", "\(type): \(answer)")
        }
        let missing = try client.call(#"{"id":6,"type":"pause","body":{"job_id":999}}"#)
        #expect((missing["body"] as? [String: Any])?["code"] as? String == "not_found", "\(missing)")
    }

    /// A blank idempotency key (an unset variable in a script) would make every later submit
    /// with one "the same" and upload nothing.
    @Test func aBlankIdempotencyKeyIsRefused() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let campaign = try harness.writeCampaign(count: 1, sendAt: "2099-01-01T00:00:00Z")
        for key in ["", "  "] {
            let blank = try await harness.mailctl(["submit", campaign, "--idempotency-key", key])
            #expect(blank.status == 64, "\(blank.standardOutput)\(blank.standardError)")
            #expect(blank.standardError.contains("--idempotency-key: 1 to 200 characters, not blank"), "\(blank.standardError)")
        }
        #expect(try await harness.mailctl(["list"]).standardOutput.split(separator: "\n").count <= 1)
    }

    /// A pause reason goes into status and a log line: a line break in it would forge one.
    @Test func pauseReasonsAreOneLineOfAtMost500Characters() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let jobID = try await harness.submit(try harness.writeCampaign(count: 2, sendAt: "2099-01-01T00:00:00Z"))

        for reason in ["line one\nJOB_ID=1 forged", "", "   ", String(repeating: "x", count: 501)] {
            let refused = try await harness.mailctl(["pause", jobID, "--reason", reason])
            #expect(refused.status == 64, "\(reason.prefix(20)): \(refused.standardError)")
            #expect(refused.standardError.contains("--reason"), "\(refused.standardError)")
            #expect(refused.standardError.contains("one line of 1 to 500 characters"), "\(refused.standardError)")
        }
        let status = try await harness.mailctl(["status", jobID])
        #expect(!status.standardOutput.contains("paused"), "a refused reason paused the job: \(status.standardOutput)")

        let client = try RawIPCClient(socketPath: harness.socketPath)
        defer { client.close() }
        _ = try client.call(#"{"id":1,"type":"hello","body":{"protocol_version":1,"client":"reasons"}}"#)
        for (id, reason) in [(2, #"two\nlines"#), (3, ""), (4, String(repeating: "y", count: 501))] {
            let answer = try client.call(#"{"id":\#(id),"type":"pause","body":{"job_id":\#(jobID),"reason":"\#(reason)"}}"#)
            #expect(answer["type"] as? String == "error", "\(answer)")
            let failure = try #require(answer["body"] as? [String: Any])
            #expect(failure["code"] as? String == "bad_request", "\(failure)")
            #expect((failure["message"] as? String)?.hasPrefix("reason: ") == true, "\(failure)")
        }
        #expect(!harness.daemonLog.contains("forged"))

        let long = String(repeating: "z", count: 500)
        let accepted = try await harness.mailctl(["pause", jobID, "--reason", "  \(long)  "])
        #expect(accepted.status == 0, "\(accepted.standardError)")
        let paused = try await harness.mailctl(["status", jobID, "--json"])
        #expect(paused.standardOutput.contains(#""pause_reason":"\#(long)""#), "\(paused.standardOutput)")
    }

    /// Entries no campaign recipient could match are refused, each named; what `suppress list`
    /// writes (quoted as RFC 4180 says) imports back as the same addresses.
    @Test func suppressAddRefusesInvalidAddressesAndListImportsBack() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()

        let invalid = ["a@b@c", "a..b@example.com", "x@-bad-.com", "x@example.com,y@example.com"]
        let refused = try await harness.mailctl(["suppress", "add"] + invalid + ["fine@example.com"])
        #expect(refused.status == 1, "\(refused.standardOutput)")
        for address in invalid {
            #expect(refused.standardError.contains(address), "\(address) not named: \(refused.standardError)")
        }
        #expect(!refused.standardError.contains("fine@example.com"), "\(refused.standardError)")
        let empty = try await harness.mailctl(["suppress", "list"])
        #expect(empty.standardOutput == "address,reason,class,job_id,at\n", "nothing may be added: \(empty.standardOutput)")

        let added = try await harness.mailctl(["suppress", "add", #""a@b"@c.com"#, #""x,y"@example.com"#, "plain@example.com", "--reason", #"said "stop", twice"#])
        #expect(added.status == 0, "\(added.standardError)")
        #expect(added.standardOutput.contains("3 added"), "\(added.standardOutput)")
        let list = try await harness.mailctl(["suppress", "list"])
        #expect(list.standardOutput.contains(#""""a@b""@c.com","said ""stop"", twice","#), "\(list.standardOutput)")
        #expect(list.standardOutput.contains(#""""x,y""@example.com","#), "\(list.standardOutput)")

        let saved = harness.directory.appendingPathComponent("saved.csv")
        try list.standardOutput.write(to: saved, atomically: true, encoding: .utf8)
        let removed = try await harness.mailctl(["suppress", "remove", #""a@b"@c.com"#, #""x,y"@example.com"#, "plain@example.com"])
        #expect(removed.standardOutput.contains("3 removed"), "\(removed.standardOutput)\(removed.standardError)")
        let imported = try await harness.mailctl(["suppress", "import", saved.path, "--reason", #"said "stop", twice"#])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardOutput.contains("3 added, 0 already suppressed"), "\(imported.standardOutput)")
        let again = try await harness.mailctl(["suppress", "list"])
        func rows(_ csv: String) -> [String] { csv.split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") } }
        #expect(rows(again.standardOutput) == rows(list.standardOutput), "\(again.standardOutput)")
    }

    /// A raw client skips mailctl's loader: maild refuses the tags that could only render
    /// nothing itself, naming the field and line.
    @Test func submitRefusesTemplateTagsThatCanOnlyRenderNothing() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let client = try RawIPCClient(socketPath: harness.socketPath)
        defer { client.close() }
        _ = try client.call(#"{"id":1,"type":"hello","body":{"protocol_version":1,"client":"templates"}}"#)
        let json = #"{"name":"raw","account":"test","from":{"address":"a@example.org"},"subject":"s","text":"Hi\n{{a.b}}","#
            + #""attachments":[],"headers":[],"send_at":"2099-01-01T00:00:00Z"}"#
        let spec = Data(json.utf8).base64EncodedString()
        let refused = try client.call(#"{"id":2,"type":"submit_begin","body":{"spec":"\#(spec)","idempotency_key":"dotted"}}"#)
        #expect(refused["type"] as? String == "error", "\(refused)")
        let failure = try #require(refused["body"] as? [String: Any])
        #expect(failure["code"] as? String == "invalid_campaign", "\(failure)")
        #expect((failure["message"] as? String)?.contains("text: line 2: {{a.b}} looks inside a value") == true, "\(failure)")
    }
}
