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
}
