@testable import Daemon
import Foundation
import Queue
import Testing

/// systemd's STATUS= line: an account refused by its relay counts once, the jobs it paused are
/// not counted again, and a job an operator or the breaker paused is.
@Suite struct StatusReporterTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-status-\(UUID().uuidString)")

    func runningJob(_ store: QueueStore, accounts: [String]) throws -> Int64 {
        let job = NewJob(name: "j", account: accounts[0], ownerUID: 1000, ownerGID: 1000, spec: Data("{}".utf8),
                         additionalAccounts: Array(accounts.dropFirst()))
        guard case .started(let jobID) = try store.beginSubmission(job) else { throw CancellationError() }
        _ = try store.appendRecipients(jobID: jobID, [NewRecipient(address: "user@example.com")])
        _ = try store.commitSubmission(jobID: jobID)
        _ = try store.startDueJobs()
        return jobID
    }

    func line(_ store: QueueStore) throws -> String {
        StatusReporter.summary(jobs: try store.jobs(includeFinished: false), pausedAccounts: try store.pausedAccounts(), messagesPerMinute: 1240)
    }

    @Test func accountsAndJobsPausedAreCountedOnce() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try QueueStore(path: directory.appendingPathComponent("queue.sqlite").path)
        let shared = try runningJob(store, accounts: ["a", "b"])
        _ = try runningJob(store, accounts: ["a"])
        _ = try runningJob(store, accounts: ["a"])
        #expect(try line(store) == "3 jobs running, 1,240 msg/min")

        try store.pauseAccount("a", reason: "account a: 535", now: Date())
        #expect(try line(store) == "1 job running, 1,240 msg/min, 1 account paused")

        // The breaker pauses the job that ran on through b: that is a paused job of its own.
        try store.pause(jobID: shared, reason: "circuit breaker: 9 of the first 10 outcomes were bounces")
        #expect(try line(store) == "0 jobs running, 1,240 msg/min, 1 job paused, 1 account paused")
    }
}
