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
}
