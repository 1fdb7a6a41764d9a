import Foundation
import Testing

/// `mailctl suppress` against the real daemon: added, imported and listed addresses are
/// skipped by later campaigns; removed ones are mailed again; clients may add but not list.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SuppressCommandTests {
    @Test func suppressedAddressesAreSkippedUntilRemoved() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()

        let add = try await harness.mailctl(["suppress", "add", "User1@Example.com", "user2@example.com", "--reason", "unsubscribed by phone"])
        #expect(add.status == 0, "\(add.standardError)")
        #expect(add.standardOutput.contains("2 added, 0 already suppressed"))
        let importFile = harness.directory.appendingPathComponent("complaints.csv")
        try "name,email\nThree,user3@example.com\nTwo again,user2@example.com\n".write(to: importFile, atomically: true, encoding: .utf8)
        let imported = try await harness.mailctl(["suppress", "import", importFile.path])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardOutput.contains("1 added, 1 already suppressed"), "\(imported.standardOutput)")
        let broken = harness.directory.appendingPathComponent("broken.csv")
        try "name,mail\nx,y\n".write(to: broken, atomically: true, encoding: .utf8)
        let refused = try await harness.mailctl(["suppress", "import", broken.path])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("broken.csv"), "\(refused.standardError)")

        let list = try await harness.mailctl(["suppress", "list"])
        let lines = list.standardOutput.split(separator: "\n")
        #expect(lines.count == 4, "\(list.standardOutput)")
        #expect(list.standardOutput.contains("user1@example.com,unsubscribed by phone"))
        #expect(list.standardOutput.contains("user3@example.com,imported from complaints.csv"))

        let campaign = try harness.writeCampaign(count: 5)
        let submit = try await harness.mailctl(["submit", campaign, "--watch"])
        #expect(submit.status == 0, "\(submit.standardOutput)\(submit.standardError)")
        #expect(Set(harness.relay.messages.flatMap(\.recipients)) == ["user4@example.com", "user5@example.com"])
        let job = submit.standardOutput.split(separator: "\n").first.map(String.init) ?? ""
        let report = try await harness.mailctl(["report", job, "--state", "skipped"])
        #expect(report.standardOutput.split(separator: "\n").count == 4, "\(report.standardOutput)")

        let remove = try await harness.mailctl(["suppress", "remove", "user1@example.com"])
        #expect(remove.standardOutput.contains("1 removed"), "\(remove.standardOutput)")
        let again = try await harness.mailctl(["suppress", "remove", "user1@example.com"])
        #expect(again.status == 1)
        let second = try harness.writeCampaign(count: 1, name: "second")
        let resend = try await harness.mailctl(["submit", second, "--watch"])
        #expect(resend.status == 0)
        #expect(harness.relay.messages.flatMap(\.recipients).contains("user1@example.com"))
    }
}
