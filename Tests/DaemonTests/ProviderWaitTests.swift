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
        // Each waits for its own turn, a minute apart (the provider's 1/min): all due at the
        // same instant, all but one would be put back again for every message sent.
        let turns = try Self.nextAttempts(in: harness.databasePath, domain: "corp.example")
        #expect(turns.count == 9)
        for (earlier, later) in zip(turns, turns.dropFirst()) {
            #expect(later - earlier >= 59_000, "turns \(turns)")
        }
    }

    /// The deferred recipients' next attempt times (Unix ms), read with Python's sqlite3 from
    /// the live database (WAL mode lets a second reader in).
    static func nextAttempts(in database: String, domain: String) throws -> [Int64] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for (at,) in db.execute("SELECT next_attempt_at FROM recipients WHERE domain = ? AND state = 'deferred' ORDER BY next_attempt_at", (sys.argv[2],)):
                print(at)
            """, database, domain]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Int64($0) }
    }
}
