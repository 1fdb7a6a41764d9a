import Delivery
import Foundation
import Queue
import Testing

/// What a claim learns about each recipient beyond its address: when its first attempt was
/// made (the retry policy's maximum age counts from it) and whether the address was
/// suppressed after its job was committed.
@Suite struct ClaimTimeChecksTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aClaimCarriesTheFirstAttemptTimeNotTheJobsCreation() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        // The job is created now; its recipient is first tried three days later.
        _ = try QueueFixtures.submit(store, ["a@x.example"], now: now)
        try store.startDueJobs(now: now)
        let firstTry = now.addingTimeInterval(3 * 86_400)
        let first = try #require(try store.claimDueRecipients(account: "gmail-main", now: firstTry, limit: 1).first)
        #expect(first.attempts == 0 && first.firstAttemptAt == nil)
        try store.record([QueueFixtures.outcome(first, .deferred(until: firstTry.addingTimeInterval(600)), at: firstTry, code: 451, replyClass: .transient)])
        let secondTry = firstTry.addingTimeInterval(600)
        let second = try #require(try store.claimDueRecipients(account: "gmail-main", now: secondTry, limit: 1).first)
        #expect(second.attempts == 1)
        #expect(second.firstAttemptAt == firstTry)
        // And the policy, fed that time, still retries a greylisted address three days after
        // the job was created (counting from the job, five days would be closer to up).
        let policy = DeliveryPolicy(retry: try RetryPolicy())
        let decision = policy.decide(class: .transient, attempt: 2, firstAttemptAt: try #require(second.firstAttemptAt), now: secondTry)
        guard case .defer = decision else {
            Issue.record("expected a deferral, got \(decision)")
            return
        }
    }

    /// Only attempts that count start the clock: a throttle reply (requeued, no attempt) does
    /// not, and `retry-failed` starts it afresh.
    @Test func onlyCountedAttemptsStartTheClockAndRetryFailedResetsIt() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try QueueFixtures.submit(store, ["a@x.example"], now: now)
        try store.startDueJobs(now: now)
        let throttled = try #require(try store.claimDueRecipients(account: "gmail-main", now: now, limit: 1).first)
        try store.record([QueueFixtures.outcome(throttled, .requeued, at: now, code: 421, replyClass: .throttle)])
        let counted = now.addingTimeInterval(3600)
        let first = try #require(try store.claimDueRecipients(account: "gmail-main", now: counted, limit: 1).first)
        #expect(first.firstAttemptAt == nil && first.attempts == 0)
        try store.record([QueueFixtures.outcome(first, .failed, at: counted, code: 550, replyClass: .reject)])
        #expect(try store.retryFailed(jobID: jobID, now: counted.addingTimeInterval(60)) == 1)
        let retried = try #require(try store.claimDueRecipients(account: "gmail-main", now: counted.addingTimeInterval(120), limit: 1).first)
        #expect(retried.attempts == 0 && retried.firstAttemptAt == nil)
        let again = counted.addingTimeInterval(180)
        try store.record([QueueFixtures.outcome(retried, .deferred(until: again.addingTimeInterval(600)), at: again, code: 451, replyClass: .transient)])
        let later = try #require(try store.claimDueRecipients(account: "gmail-main", now: again.addingTimeInterval(600), limit: 1).first)
        #expect(later.firstAttemptAt == again)
    }

    @Test func anAddressSuppressedAfterCommitIsSkippedInsteadOfClaimed() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try QueueFixtures.submit(store, ["a@x.example", "Bounced@X.example", "c@x.example"], now: now)
        try store.startDueJobs(now: now)
        // Another job's hard bounce puts the address on the list after this job was committed.
        try store.suppress("bounced@x.example", reason: "550 5.1.1 no such user", replyClass: .bounce, now: now)
        let claimed = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 10)
        #expect(claimed.map(\.address) == ["a@x.example", "c@x.example"])
        let counts = try store.counts(jobID: jobID)
        #expect(counts.skipped == 1 && counts.sending == 2)
        let skipped = try #require(try store.recipients(jobID: jobID).first { $0.address == "Bounced@X.example" })
        #expect(skipped.state == .skipped)
        #expect(skipped.lastText == "suppressed: 550 5.1.1 no such user")
        #expect(try store.job(id: jobID)?.skippedCount == 1)
        // Nothing is left to claim: the skipped recipient never comes back.
        #expect(try store.claimDueRecipients(account: "gmail-main", now: now, limit: 10).isEmpty)
    }
}

extension ClaimTimeChecksTests {
    /// 0007 fills the clock from the attempts that count now: not a throttle row, and not the
    /// rows of attempts made before a retry-failed started the count afresh.
    @Test func migration0007FillsTheClockFromTheCurrentCountOnly() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        try QueueMigrator.createDatabase(at: queue.path, upTo: "0006_learned_throttle_rate")
        try Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("insert into jobs (id, name, account, owner_uid, owner_gid, state, spec, recipient_count, created_at, updated_at) values (1, 'old', 'gmail-main', 1000, 1000, 'running', x'7b7d', 1, 1000, 1000)")
            # Two attempts, then retry-failed (attempts back to 0), a throttle reply, then one counted attempt at 9000.
            db.execute("insert into recipients (id, job_id, seq, address, normalized_address, domain, state, attempts, next_attempt_at, updated_at) values (7, 1, 1, 'a@x.example', 'a@x.example', 'x.example', 'deferred', 1, 0, 9000)")
            for at, cls in [(2000, 'transient'), (3000, 'reject'), (8000, 'throttle'), (9000, 'transient')]:
                db.execute("insert into attempts (recipient_id, job_id, account, provider, at, class) values (7, 1, 'gmail-main', 'default', ?, ?)", (at, cls))
            db.commit()
            """, [queue.path])
        let store = try queue.open()
        let claimed = try #require(try store.claimDueRecipients(account: "gmail-main", now: Date(timeIntervalSince1970: 20), limit: 1).first)
        #expect(claimed.firstAttemptAt == Date(timeIntervalSince1970: 9))
    }
}
