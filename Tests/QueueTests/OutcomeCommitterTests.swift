import Foundation
import Queue
import Testing

/// Group commit: many outcomes per transaction, and submit returns only once durable.
@Suite struct OutcomeCommitterTests {
    @Test func tenThousandOutcomesTakeFarFewerTransactions() async throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try QueueFixtures.submit(store, (0..<10_000).map { "r\($0)@x.example" })
        try store.startDueJobs()
        let claimed = try store.claimDueRecipients(account: "gmail-main", limit: 10_000)
        #expect(claimed.count == 10_000)

        let committer = OutcomeCommitter(store: store, maxBatch: 500, maxDelay: .milliseconds(20))
        let before = store.committedTransactionCount
        let workers = 50
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                let mine = stride(from: worker, to: claimed.count, by: workers).map { claimed[$0] }
                group.addTask {
                    for recipient in mine { try await committer.submit(QueueFixtures.outcome(recipient, .sent)) }
                }
            }
            try await group.waitForAll()
        }
        let transactions = store.committedTransactionCount - before
        let batches = await committer.batchesCommitted
        print("10,000 outcomes from \(workers) workers: \(transactions) transactions")
        #expect(transactions == batches)
        #expect(transactions <= 10_000 / 20, "group commit: at least 20 outcomes per transaction on average")
        #expect(await committer.outcomesCommitted == 10_000)
        #expect(try store.counts(jobID: jobID).sent == 10_000)
    }

    /// A single outcome is committed by the timer, not held until the batch fills.
    @Test func lonelyOutcomeIsCommittedAfterTheDelay() async throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try QueueFixtures.submit(store, ["a@x.example"])
        try store.startDueJobs()
        let claimed = try store.claimDueRecipients(account: "gmail-main", limit: 1)
        let committer = OutcomeCommitter(store: store, maxBatch: 1000, maxDelay: .milliseconds(5))
        try await committer.submit(QueueFixtures.outcome(claimed[0], .sent))
        // Visible to another process: on disk (in the WAL), not just in memory.
        let sent = try Python.run("""
            import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select state from recipients where id=?", (int(sys.argv[2]),)).fetchone()[0])
            """, [queue.path, String(claimed[0].id)])
        #expect(sent.trimmingCharacters(in: .whitespacesAndNewlines) == "sent")
        #expect(try store.counts(jobID: jobID).sent == 1)
    }

    /// One outcome that cannot be stored fails alone; its batch neighbours are committed.
    @Test func badOutcomeFailsAloneInItsBatch() async throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try QueueFixtures.submit(store, ["a@x.example"])
        try store.startDueJobs()
        let good = try #require(try store.claimDueRecipients(account: "gmail-main", limit: 1).first)
        var missing = good
        missing.id = 987_654
        let committer = OutcomeCommitter(store: store, maxBatch: 2, maxDelay: .seconds(5))
        async let first: Void = committer.submit(QueueFixtures.outcome(good, .sent))
        async let second: Void = committer.submit(QueueFixtures.outcome(missing, .sent))
        try await first
        var secondError: (any Error)?
        do { try await second } catch { secondError = error }
        #expect(secondError is QueueError, "the outcome for a missing recipient fails: \(String(describing: secondError))")
        #expect(try store.counts(jobID: jobID).sent == 1)
    }
}
