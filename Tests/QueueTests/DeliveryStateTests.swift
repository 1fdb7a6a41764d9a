import Delivery
import Foundation
import Queue
import Testing

/// Claims, outcomes and the job life cycle they drive.
@Suite struct DeliveryStateTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A running job with these addresses.
    func runningJob(_ store: QueueStore, _ addresses: [String], account: String = "gmail-main") throws -> Int64 {
        let jobID = try QueueFixtures.submit(store, addresses, account: account, now: now)
        try store.startDueJobs(now: now)
        return jobID
    }

    @Test func claimsAreInListOrderAndExclusive() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let first = try runningJob(store, ["a@x.example", "b@x.example", "c@x.example"])
        let second = try runningJob(store, ["d@x.example"])
        _ = try runningJob(store, ["other@x.example"], account: "ses")
        let batch1 = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 2)
        let batch2 = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 10)
        #expect(batch1.map(\.address) == ["a@x.example", "b@x.example"])
        #expect(batch2.map(\.address) == ["c@x.example", "d@x.example"])
        #expect(batch2.map(\.jobID) == [first, second])
        #expect(try store.claimDueRecipients(account: "gmail-main", now: now, limit: 10).isEmpty)
        #expect(try store.counts(jobID: first).sending == 3)
    }

    @Test func queuedJobsAreNotClaimedUntilStarted() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try QueueFixtures.submit(store, ["a@x.example"], now: now)
        #expect(try store.claimDueRecipients(account: "gmail-main", now: now, limit: 10).isEmpty)
        #expect(try store.startDueJobs(now: now) == [jobID])
        #expect(try store.claimDueRecipients(account: "gmail-main", now: now, limit: 10).count == 1)
    }

    struct TransitionCase: Sendable, CustomTestStringConvertible {
        var name: String
        var transition: DeliveryOutcome.Transition
        var state: RecipientState
        var attempts: Int
        var suppressed: Bool
        var logged: Bool
        var testDescription: String { name }
    }

    static let transitions: [TransitionCase] = [
        TransitionCase(name: "sent", transition: .sent, state: .sent, attempts: 1, suppressed: false, logged: true),
        TransitionCase(name: "deferred", transition: .deferred(until: Date(timeIntervalSince1970: 1_800_000_600)),
                       state: .deferred, attempts: 1, suppressed: false, logged: false),
        TransitionCase(name: "failed", transition: .failed, state: .failed, attempts: 1, suppressed: false, logged: false),
        TransitionCase(name: "requeued", transition: .requeued, state: .pending, attempts: 0, suppressed: false, logged: false),
        TransitionCase(name: "suppressAndFail", transition: .suppressAndFail, state: .failed, attempts: 1, suppressed: true,
                       logged: false),
    ]

    @Test(arguments: transitions)
    func outcomeMovesTheRecipient(_ testCase: TransitionCase) throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try runningJob(store, ["a@x.example"])
        let claimed = try #require(try store.claimDueRecipients(account: "gmail-main", now: now, limit: 1).first)
        try store.record([QueueFixtures.outcome(claimed, testCase.transition, at: now.addingTimeInterval(1), code: 451,
                                                replyClass: .transient)])
        let recipient = try #require(try store.recipient(id: claimed.id))
        #expect(recipient.state == testCase.state)
        #expect(recipient.attempts == testCase.attempts)
        #expect(recipient.lastCode == 451 && recipient.lastClass == .transient && recipient.lastRule == "test-rule")
        #expect(recipient.lastStage == "rcpt" && recipient.lastText == "reply 451")
        if case .deferred(let until) = testCase.transition { #expect(recipient.nextAttemptAt == until) }
        if testCase.state == .sent { #expect(recipient.sentAt == now.addingTimeInterval(1)) }
        #expect(try store.isSuppressed("a@x.example") == testCase.suppressed)
        let attempts = try store.attempts(recipientID: claimed.id)
        #expect(attempts.count == 1)
        #expect(attempts.first?.attempt.durationMilliseconds == 12 && attempts.first?.provider == "gmail")
        #expect(attempts.first?.jobID == jobID)
        #expect(try store.sendTimes(account: "gmail-main", since: now).count == (testCase.logged ? 1 : 0))
    }

    @Test func deferredRecipientIsDueOnlyAtItsTime() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        _ = try runningJob(store, ["a@x.example"])
        let claimed = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 1)
        let retryAt = now.addingTimeInterval(300)
        try store.record(claimed.map { QueueFixtures.outcome($0, .deferred(until: retryAt)) })
        #expect(try store.nextDeferredAttempt(account: "gmail-main") == retryAt)
        #expect(try store.claimDueRecipients(account: "gmail-main", now: retryAt.addingTimeInterval(-1), limit: 1).isEmpty)
        let again = try store.claimDueRecipients(account: "gmail-main", now: retryAt, limit: 1)
        #expect(again.map(\.attempts) == [1])
    }

    @Test func jobCompletesOnlyWhenNothingIsOutstanding() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try runningJob(store, ["a@x.example", "b@x.example", "c@x.example"])
        let claimed = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 3)
        try store.record([QueueFixtures.outcome(claimed[0], .sent), QueueFixtures.outcome(claimed[1], .failed)])
        #expect(try store.finishCompletedJobs(now: now).isEmpty, "c is still sending")
        try store.record([QueueFixtures.outcome(claimed[2], .deferred(until: now.addingTimeInterval(60)))])
        #expect(try store.finishCompletedJobs(now: now).isEmpty, "c is deferred")
        let retry = try store.claimDueRecipients(account: "gmail-main", now: now.addingTimeInterval(60), limit: 3)
        try store.record(retry.map { QueueFixtures.outcome($0, .sent) })
        #expect(try store.finishCompletedJobs(now: now) == [jobID])
        let job = try #require(try store.job(id: jobID))
        #expect(job.state == .completed && job.finishedAt == now)
        let counts = try store.counts(jobID: jobID)
        #expect(counts.sent == 2 && counts.failed == 1 && counts.outstanding == 0)
    }

    @Test func cancelStopsWaitingRecipientsAndLetsSendingOnesFinish() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try runningJob(store, ["a@x.example", "b@x.example", "c@x.example", "d@x.example"])
        let claimed = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 2)
        #expect(try store.cancel(jobID: jobID, now: now) == 2)
        #expect(try store.claimDueRecipients(account: "gmail-main", now: now, limit: 10).isEmpty)
        try store.record([QueueFixtures.outcome(claimed[0], .sent), QueueFixtures.outcome(claimed[1], .deferred(until: now))])
        let counts = try store.counts(jobID: jobID)
        #expect(counts.sent == 1 && counts.cancelled == 3 && counts.outstanding == 0)
        #expect(try store.job(id: jobID)?.state == .cancelled)
        #expect(throws: QueueError.invalidTransition(jobID: jobID, state: .cancelled, operation: "cancel")) {
            try store.cancel(jobID: jobID)
        }
    }

    @Test func retryFailedReopensACompletedJob() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try runningJob(store, ["a@x.example", "b@x.example", "c@x.example"])
        let claimed = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 3)
        try store.record([QueueFixtures.outcome(claimed[0], .failed), QueueFixtures.outcome(claimed[1], .suppressAndFail),
                          QueueFixtures.outcome(claimed[2], .sent)])
        #expect(try store.finishCompletedJobs(now: now) == [jobID])
        #expect(try store.retryFailed(jobID: jobID, now: now) == 1, "the suppressed address stays failed")
        #expect(try store.job(id: jobID)?.state == .running)
        let again = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 3)
        #expect(again.map(\.address) == ["a@x.example"] && again.map(\.attempts) == [0])
    }

    @Test func pauseAndResumeOneJobAndAWholeAccount() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let running = try runningJob(store, ["a@x.example"])
        let other = try runningJob(store, ["c@x.example"], account: "ses")
        let queued = try QueueFixtures.submit(store, ["b@x.example"], now: now)
        try store.pause(jobID: running, reason: "operator")
        #expect(try store.job(id: running)?.pauseReason == "operator")
        #expect(try store.claimDueRecipients(account: "gmail-main", now: now, limit: 10).isEmpty)
        #expect(try store.resume(jobID: running, now: now).state == .running)

        #expect(try store.pauseJobs(account: "gmail-main", reason: "535 5.7.8 bad credentials", now: now) == [running, queued])
        #expect(try store.job(id: other)?.state == .running)
        #expect(try store.resumeJobs(account: "gmail-main", reason: "something else", now: now).isEmpty)
        #expect(try store.resumeJobs(account: "gmail-main", now: now) == [running, queued])
        #expect(try store.job(id: running)?.state == .running)
        #expect(try store.job(id: queued)?.state == .queued)
        #expect(throws: QueueError.invalidTransition(jobID: queued, state: .queued, operation: "resume")) {
            try store.resume(jobID: queued)
        }
    }

    @Test func releasedClaimsGoBackWithoutSpendingAnAttempt() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try runningJob(store, ["a@x.example", "b@x.example"])
        let claimed = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 2)
        #expect(try store.releaseClaims(claimed.map(\.id), now: now) == 2)
        #expect(try store.counts(jobID: jobID).pending == 2)
        let again = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 2)
        #expect(again.map(\.id) == claimed.map(\.id) && again.allSatisfy { $0.attempts == 0 })
    }

    /// The daemon died with claims out: the next process finds them sending and puts them back.
    @Test func recoverInFlightAfterACrash() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        var store = try queue.open()
        let jobID = try runningJob(store, ["a@x.example", "b@x.example", "c@x.example"])
        let claimed = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 2)
        try store.record([QueueFixtures.outcome(claimed[0], .sent)])
        let sendingOnDisk = try Python.run("""
            import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from recipients where state='sending'").fetchone()[0])
            """, [queue.path])
        #expect(sendingOnDisk.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        try store.close()

        store = try queue.open()
        #expect(try store.recoverInFlight(now: now) == 1)
        let counts = try store.counts(jobID: jobID)
        #expect(counts.sent == 1 && counts.pending == 2 && counts.sending == 0)
        #expect(try store.recipient(id: claimed[1].id)?.attempts == 0)
    }

    @Test func sendLogRebuildsWindowsAndIsPruned() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        _ = try runningJob(store, ["a@x.example", "b@x.example"])
        let claimed = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 2)
        try store.record([QueueFixtures.outcome(claimed[0], .sent, at: now.addingTimeInterval(-7200)),
                          QueueFixtures.outcome(claimed[1], .sent, at: now)])
        try store.recordSends(account: "ses-account", provider: "ses", at: [now])
        #expect(try store.sendTimes(account: "gmail-main", since: now.addingTimeInterval(-86400)).count == 2)
        #expect(try store.sendTimes(account: "gmail-main", since: now.addingTimeInterval(-3600)) == [now])
        #expect(try store.sendTimes(provider: "gmail", since: .distantPast).count == 2)
        #expect(try store.prune(olderThan: now.addingTimeInterval(-3600)) == 1)
        #expect(try store.sendTimes(provider: "gmail", since: .distantPast) == [now])
        #expect(try store.sendTimes(provider: "ses", since: .distantPast) == [now])
    }

    @Test func suppressionListByNormalizedAddress() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        try store.suppress("  Someone@Example.COM", reason: "complaint", now: now)
        try store.suppress("someone@example.com", reason: "second reason ignored", now: now)
        #expect(try store.isSuppressed("SOMEONE@example.com"))
        let list = try store.suppressionList()
        #expect(list.map(\.address) == ["someone@example.com"] && list.map(\.reason) == ["complaint"])
        #expect(try store.unsuppress("someone@EXAMPLE.com"))
        #expect(try !store.isSuppressed("someone@example.com"))
    }
}
