import Foundation
import SMTPServer
import Testing

/// A provider (or a job) that must wait a long time holds back only its own recipients: they
/// wait in the queue as deferred, without an attempt, while the account's other recipients go.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ProviderWaitTests {
    @Test func aProviderAtItsLimitDoesNotStallTheOthers() async throws {
        let harness = try await DaemonHarness(concurrency: 1)
        defer { Task { await harness.stop() } }
        try harness.addSections("[provider corporate]\ndomains = corp.example\nper_minute = 1\n")
        try await harness.startDaemon()
        // Interleaved, so that every claimed batch starts with a recipient that must wait.
        let addresses = (1...10).flatMap { ["c\($0)@corp.example", "o\($0)@other.example"] }
        let jobID = try await harness.submitJob(try harness.writeCampaign(addresses: addresses, name: "mixed"))
        try await waitUntil(.seconds(20), "every other.example recipient") {
            harness.relay.messages.flatMap(\.recipients).filter { $0.hasSuffix("@other.example") }.count == 10
        }
        let corporate = harness.relay.messages.flatMap(\.recipients).filter { $0.hasSuffix("@corp.example") }
        #expect(corporate.count == 1, "\(corporate)")
        let rows = try await harness.reportRows(jobID)
        let waiting = rows.filter { ($0["address"] as? String)?.hasSuffix("@corp.example") == true && $0["state"] as? String == "deferred" }
        #expect(waiting.count == 9, "\(rows)")
        // Waiting for the provider is not an attempt, and the report says what it waits for.
        #expect(waiting.allSatisfy { $0["attempts"] as? Int == 0 }, "\(waiting)")
        #expect(waiting.allSatisfy { ($0["text"] as? String ?? $0["last_text"] as? String ?? "").contains("provider corporate") }, "\(waiting)")
    }
}
