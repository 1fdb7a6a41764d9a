import Foundation
import GRDB
import Queue
import Synchronization
import Testing

/// When the database cannot be written for a while, outcomes of messages already sent are
/// held and committed later, never dropped (dropping them would send the messages again).
@Suite struct CommitterStorageFailureTests {
    @Test func outcomesWaitOutALockedDatabaseAndAreCommittedAfterwards() async throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open(busyTimeout: 0.05)
        let jobID = try QueueFixtures.submit(store, (0..<20).map { "r\($0)@x.example" })
        try store.startDueJobs()
        let claimed = try store.claimDueRecipients(account: "gmail-main", limit: 20)

        let seen = Mutex<[String]>([])
        let committer = OutcomeCommitter(store: store, maxBatch: 5, maxDelay: .milliseconds(5)) { problem in
            seen.withLock { $0.append(problem.map { "\($0)" } ?? "writable") }
        }
        // Another process-like connection takes the write lock and keeps it.
        let blocker = try DatabaseQueue(path: queue.path)
        let release = Mutex(false)
        let holder = Task.detached {
            try blocker.inDatabase { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                while !release.withLock({ $0 }) { usleep(10_000) }
                try db.execute(sql: "COMMIT")
            }
        }
        try await Task.sleep(for: .milliseconds(100))

        let submitted = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for recipient in claimed { group.addTask { try await committer.submit(QueueFixtures.outcome(recipient, .sent)) } }
                try await group.waitForAll()
            }
        }
        // While the lock is held nothing is committed, nothing fails, and the reason is known.
        var problem: QueueError?
        for _ in 0..<200 where problem == nil {
            try await Task.sleep(for: .milliseconds(50))
            problem = await committer.storageProblem
        }
        #expect(problem.map { "\($0)" }?.contains("locked") == true, "\(String(describing: problem))")
        try await Task.sleep(for: .milliseconds(300))
        #expect(await committer.outcomesCommitted == 0)
        #expect(try store.counts(jobID: jobID).sent == 0)

        release.withLock { $0 = true }
        try await holder.value
        try await submitted.value
        #expect(await committer.outcomesCommitted == 20)
        #expect(await committer.storageProblem == nil)
        #expect(try store.counts(jobID: jobID).sent == 20)
        let reports = seen.withLock { $0 }
        #expect(reports.first?.contains("locked") == true)
        #expect(reports.last == "writable")
    }
}
