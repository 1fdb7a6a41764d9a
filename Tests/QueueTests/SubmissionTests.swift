import Foundation
import Queue
import Testing

/// Streamed submissions: invisible until committed, idempotent, deduplicated, suppression-aware.
@Suite struct SubmissionTests {
    @Test func stagingJobIsInvisibleUntilCommitted() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        guard case .started(let jobID) = try store.beginSubmission(QueueFixtures.job()) else {
            Issue.record("expected a new submission")
            return
        }
        try store.appendRecipients(jobID: jobID, QueueFixtures.recipients(["a@x.example", "b@x.example"]))
        #expect(try store.jobs().isEmpty)
        #expect(try store.job(id: jobID) == nil)
        #expect(throws: QueueError.jobNotFound(jobID: jobID)) { try store.counts(jobID: jobID) }
        #expect(try store.claimDueRecipients(account: "gmail-main", limit: 10).isEmpty)

        let job = try store.commitSubmission(jobID: jobID)
        #expect(job.state == .queued && job.recipientCount == 2)
        #expect(try store.jobs().map(\.id) == [jobID])
        #expect(try store.counts(jobID: jobID).pending == 2)
    }

    @Test func staleStagingJobsAreDiscardedAtStartup() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        var store = try queue.open()
        let committed = try QueueFixtures.submit(store, ["keep@x.example"])
        guard case .started(let staging) = try store.beginSubmission(QueueFixtures.job("crashed", key: "k-1")) else {
            Issue.record("expected a new submission")
            return
        }
        try store.appendRecipients(jobID: staging, QueueFixtures.recipients((0..<100).map { "u\($0)@x.example" }))
        try store.close()

        // The daemon restarts after a crash mid-upload.
        store = try queue.open()
        #expect(try store.discardStaleSubmissions() == [staging])
        let left = try Python.run("""
            import sqlite3,sys; db=sqlite3.connect(sys.argv[1])
            print(db.execute('select count(*) from jobs').fetchone()[0], db.execute('select count(*) from recipients').fetchone()[0])
            """, [queue.path])
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines) == "1 1")
        #expect(try store.jobs().map(\.id) == [committed])
        // The key is free again for the retried upload, which gets an id of its own: the
        // discarded one named the upload in mailctl's advice and in the logs.
        guard case .started(let retried) = try store.beginSubmission(QueueFixtures.job("retried", key: "k-1")) else {
            Issue.record("expected a new submission")
            return
        }
        #expect(retried > staging)
    }

    @Test func anAbandonedUploadsIdIsNeverGivenAgainNotEvenAfterARestart() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        var store = try queue.open()
        guard case .started(let first) = try store.beginSubmission(QueueFixtures.job("first")) else { return }
        try store.abandonSubmission(jobID: first)
        try store.close()
        store = try queue.open()
        guard case .started(let second) = try store.beginSubmission(QueueFixtures.job("second")) else { return }
        #expect(second == first + 1)
    }

    @Test func abandonDropsTheUpload() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        guard case .started(let jobID) = try store.beginSubmission(QueueFixtures.job()) else { return }
        try store.appendRecipients(jobID: jobID, QueueFixtures.recipients(["a@x.example"]))
        try store.abandonSubmission(jobID: jobID)
        #expect(throws: QueueError.jobNotFound(jobID: jobID)) { try store.commitSubmission(jobID: jobID) }
    }

    @Test func idempotencyKeyReplaysTheCommittedJob() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        guard case .started(let first) = try store.beginSubmission(QueueFixtures.job(key: "campaign-42")) else { return }
        #expect(throws: QueueError.submissionInProgress(idempotencyKey: "campaign-42", jobID: first)) {
            try store.beginSubmission(QueueFixtures.job(key: "campaign-42"))
        }
        try store.appendRecipients(jobID: first, QueueFixtures.recipients(["a@x.example"]))
        let committed = try store.commitSubmission(jobID: first)
        let again = try store.beginSubmission(QueueFixtures.job(key: "campaign-42"))
        #expect(again == .replay(committed))
        #expect(try store.jobs().count == 1)
    }

    @Test func duplicatesCollapseAcrossChunksAndAreCounted() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        guard case .started(let jobID) = try store.beginSubmission(QueueFixtures.job()) else { return }
        let first = try store.appendRecipients(jobID: jobID, QueueFixtures.recipients(["a@x.example", "A@X.example", "b@x.example"]))
        let second = try store.appendRecipients(jobID: jobID, QueueFixtures.recipients([" b@x.example ", "c@x.example"]))
        #expect(first == AppendResult(inserted: 2, duplicates: 1))
        #expect(second == AppendResult(inserted: 1, duplicates: 1))
        let job = try store.commitSubmission(jobID: jobID)
        #expect(job.recipientCount == 3 && job.duplicateCount == 2)
        let listed = try store.recipients(jobID: jobID)
        #expect(listed.map(\.address) == ["a@x.example", "b@x.example", "c@x.example"])
        #expect(listed.map(\.seq) == [1, 2, 3])
        #expect(listed.allSatisfy { $0.domain == "x.example" && $0.variables == #"{"first":"A"}"# })
    }

    @Test func suppressedAndInvalidAddressesAreSkipped() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        try store.suppress("Bounced@X.example", reason: "550 5.1.1 no such user")
        guard case .started(let jobID) = try store.beginSubmission(QueueFixtures.job()) else { return }
        var list = QueueFixtures.recipients(["ok@x.example", "bounced@x.example"])
        list.append(NewRecipient(address: "not an address", skipReason: "invalid address: no @"))
        try store.appendRecipients(jobID: jobID, list)
        let job = try store.commitSubmission(jobID: jobID)
        #expect(job.skippedCount == 2 && job.recipientCount == 3)
        let counts = try store.counts(jobID: jobID)
        #expect(counts.pending == 1 && counts.skipped == 2 && counts.total == 3)
        let skipped = try store.recipients(jobID: jobID).filter { $0.state == .skipped }
        #expect(skipped.map(\.lastText) == ["suppressed: 550 5.1.1 no such user", "invalid address: no @"])
        try store.startDueJobs()
        let claimed = try store.claimDueRecipients(account: "gmail-main", limit: 10)
        #expect(claimed.map(\.address) == ["ok@x.example"])
    }

    @Test func futureSendTimeSchedulesTheJob() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        guard case .started(let jobID) = try store.beginSubmission(
            QueueFixtures.job(sendAt: now.addingTimeInterval(3600)), now: now) else { return }
        try store.appendRecipients(jobID: jobID, QueueFixtures.recipients(["a@x.example"]), now: now)
        #expect(try store.commitSubmission(jobID: jobID, now: now).state == .scheduled)
        #expect(try store.startDueJobs(now: now.addingTimeInterval(3599)).isEmpty)
        #expect(try store.startDueJobs(now: now.addingTimeInterval(3600)) == [jobID])
        let job = try #require(try store.job(id: jobID))
        #expect(job.state == .running && job.startedAt == now.addingTimeInterval(3600))
    }

    /// A million recipients in chunks of 5,000, the way the daemon streams a big list.
    @Test func millionRecipientsInChunks() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        guard case .started(let jobID) = try store.beginSubmission(QueueFixtures.job()) else { return }
        let chunkSize = 5000
        let chunks = 200
        var generated: Duration = .zero
        var inserting: Duration = .zero
        let clock = ContinuousClock()
        for chunk in 0..<chunks {
            var list: [NewRecipient] = []
            generated += clock.measure {
                list.reserveCapacity(chunkSize)
                for index in 0..<chunkSize {
                    let number = chunk * chunkSize + index
                    list.append(NewRecipient(address: "user\(number)@domain\(number % 97).example", name: "User \(number)",
                                             variables: #"{"n":\#(number)}"#))
                }
            }
            inserting += try clock.measure {
                _ = try store.appendRecipients(jobID: jobID, list)
            }
        }
        let committing = try clock.measure { _ = try store.commitSubmission(jobID: jobID) }
        print("1,000,000 recipients: \(inserting) inserting in \(chunks) transactions, \(committing) committing (\(generated) building the structs)")
        let counts = try store.counts(jobID: jobID)
        #expect(counts.pending == chunkSize * chunks)
        try store.startDueJobs()
        let claimed = try store.claimDueRecipients(account: "gmail-main", limit: 3)
        #expect(claimed.map(\.address) == ["user0@domain0.example", "user1@domain1.example", "user2@domain2.example"])
    }
}
