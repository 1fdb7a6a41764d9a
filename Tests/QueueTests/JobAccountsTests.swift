import Delivery
import Foundation
import Queue
import Testing

/// Jobs that send through several accounts (failover): who claims, what an account's pause
/// does to each job, and what `resume` gives back.
@Suite struct JobAccountsTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func runningJob(_ store: QueueStore, _ addresses: [String], accounts: [String]) throws -> Int64 {
        var job = QueueFixtures.job(account: accounts[0])
        job.additionalAccounts = Array(accounts.dropFirst())
        guard case .started(let jobID) = try store.beginSubmission(job, now: now) else { throw QueueTestError("expected a new submission") }
        try store.appendRecipients(jobID: jobID, QueueFixtures.recipients(addresses), now: now)
        try store.commitSubmission(jobID: jobID, now: now)
        try store.startDueJobs(now: now)
        return jobID
    }

    @Test func everyAccountOfAJobClaimsFromItAndNoRecipientTwice() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let shared = try runningJob(store, (1...6).map { "r\($0)@x.example" }, accounts: ["gmail-main", "ses"])
        let sesOnly = try runningJob(store, ["solo@x.example"], accounts: ["ses"])
        #expect(try store.accounts(ofJob: shared) == [JobAccount(name: "gmail-main"), JobAccount(name: "ses")])
        let byGmail = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 2)
        let bySES = try store.claimDueRecipients(account: "ses", now: now, limit: 10)
        #expect(byGmail.map(\.address) == ["r1@x.example", "r2@x.example"])
        #expect(bySES.map(\.address) == ["r3@x.example", "r4@x.example", "r5@x.example", "r6@x.example", "solo@x.example"])
        #expect(bySES.last?.jobID == sesOnly)
        #expect(try store.claimDueRecipients(account: "gmail-main", now: now, limit: 10).isEmpty)
        #expect(try store.claimDueRecipients(account: "mailgun", now: now, limit: 10).isEmpty)
    }

    @Test func aPausedAccountLeavesItsJobsToTheOthersAndPausesJobsWithNoneLeft() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let shared = try runningJob(store, ["a@x.example", "b@x.example"], accounts: ["gmail-main", "ses"])
        let alone = try runningJob(store, ["c@x.example"], accounts: ["gmail-main"])
        let elsewhere = try runningJob(store, ["d@x.example"], accounts: ["ses"])

        let first = try store.pauseAccount("gmail-main", reason: "account gmail-main: 535 5.7.8 refused", now: now)
        #expect(first.pausedJobs == [alone])
        #expect(first.carriedOn == [.init(jobID: shared, accounts: ["ses"])])
        #expect(try store.job(id: shared)?.state == .running)
        #expect(try store.job(id: alone)?.state == .paused)
        #expect(try store.job(id: alone)?.pauseReason == "account gmail-main: 535 5.7.8 refused")
        #expect(try store.accounts(ofJob: shared) == [JobAccount(name: "gmail-main", pausedBecause: "account gmail-main: 535 5.7.8 refused"),
                                                      JobAccount(name: "ses")])
        #expect(try store.claimDueRecipients(account: "gmail-main", now: now, limit: 10).isEmpty)
        #expect(try store.claimDueRecipients(account: "ses", now: now, limit: 10).map(\.address) == ["a@x.example", "b@x.example", "d@x.example"])
        // The account paused `alone`; `shared` runs on without it.
        #expect(try store.pausedAccounts() == ["gmail-main": [alone]])
        // Pausing it again changes nothing: it is already out of every job.
        #expect(try store.pauseAccount("gmail-main", reason: "again", now: now) == AccountPauseResult())

        let second = try store.pauseAccount("ses", reason: "account ses: 535 refused", now: now)
        #expect(second.pausedJobs == [shared, elsewhere])
        #expect(second.carriedOn.isEmpty)
        #expect(try store.job(id: shared)?.pauseReason == "account ses: 535 refused")
        #expect(try store.pausedAccounts() == ["gmail-main": [alone], "ses": [shared, elsewhere]])
        // An operator's own pause of a job is not the account's doing.
        try store.pause(jobID: elsewhere, reason: "operator", now: now)
        #expect(try store.pausedAccounts() == ["gmail-main": [alone], "ses": [shared]])
    }

    @Test func resumeBringsTheAccountsBackEvenForAJobStillRunning() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let shared = try runningJob(store, ["a@x.example", "b@x.example"], accounts: ["gmail-main", "ses"])
        #expect(throws: QueueError.invalidTransition(jobID: shared, state: .running, operation: "resume")) {
            try store.resume(jobID: shared, now: now)
        }
        try store.pauseAccount("gmail-main", reason: "refused", now: now)
        #expect(try store.resume(jobID: shared, now: now).state == .running)
        #expect(try store.accounts(ofJob: shared).allSatisfy { $0.pausedBecause == nil })
        #expect(try store.claimDueRecipients(account: "gmail-main", now: now, limit: 1).map(\.address) == ["a@x.example"])
        #expect(try store.pausedAccounts().isEmpty)

        try store.pauseAccount("gmail-main", reason: "refused", now: now)
        try store.pauseAccount("ses", reason: "refused too", now: now)
        #expect(try store.job(id: shared)?.state == .paused)
        #expect(try store.resume(jobID: shared, now: now).state == .running)
        #expect(try store.claimDueRecipients(account: "ses", now: now, limit: 10).map(\.address) == ["b@x.example"])
    }

    @Test func jobsWithSeveralAccountsShowTheThrottlesOfTheAccountsTheyStillUse() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let shared = try runningJob(store, ["a@x.example"], accounts: ["gmail-main", "ses"])
        let alone = try runningJob(store, ["b@x.example"], accounts: ["gmail-main"])
        let notes = ["gmail-main": "throttled: account gmail-main rate 50%; provider google cool-down",
                     "ses": "throttled: provider google cool-down"]
        try store.setThrottleNote(account: "gmail-main", note: notes["gmail-main"], now: now)
        try store.setSharedThrottleNotes(notes, now: now)
        #expect(try store.job(id: alone)?.pauseReason == notes["gmail-main"])
        #expect(try store.job(id: shared)?.pauseReason == "throttled: account gmail-main rate 50%; provider google cool-down")

        try store.pauseAccount("gmail-main", reason: "refused", now: now)
        try store.setSharedThrottleNotes(notes, now: now)
        #expect(try store.job(id: shared)?.pauseReason == "throttled: provider google cool-down")
        try store.setSharedThrottleNotes([:], now: now)
        #expect(try store.job(id: shared)?.pauseReason == nil)
    }

    /// Jobs created before migration 0008 send through their one account as before.
    @Test func theMigrationGivesOlderJobsTheirAccount() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        try QueueMigrator.createDatabase(at: queue.path, upTo: "0007_recipient_first_attempt")
        try Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("insert into jobs (id, name, account, owner_uid, owner_gid, state, spec, recipient_count, created_at, updated_at) values (9, 'old', 'acct', 1000, 1000, 'running', x'7b7d', 1, 1000, 1000)")
            db.execute("insert into recipients (job_id, seq, address, normalized_address, domain, state, updated_at) values (9, 1, 'a@x.example', 'a@x.example', 'x.example', 'pending', 1000)")
            db.execute("insert into jobs (id, name, account, owner_uid, owner_gid, state, pause_reason, spec, created_at, updated_at) values (10, 'refused', 'acct', 1000, 1000, 'paused', 'account acct: 535 refused', x'7b7d', 1000, 1000)")
            db.execute("insert into jobs (id, name, account, owner_uid, owner_gid, state, pause_reason, spec, created_at, updated_at) values (11, 'operator', 'acct', 1000, 1000, 'paused', 'account acctx: no', x'7b7d', 1000, 1000)")
            db.commit()
            """, [queue.path])
        let store = try queue.open()
        #expect(try store.accounts(ofJob: 9) == [JobAccount(name: "acct")])
        // Paused for its account before the upgrade: that stays the account's pause.
        #expect(try store.accounts(ofJob: 10) == [JobAccount(name: "acct", pausedBecause: "account acct: 535 refused")])
        #expect(try store.accounts(ofJob: 11) == [JobAccount(name: "acct")])
        #expect(try store.claimDueRecipients(account: "acct", now: now, limit: 10).map(\.address) == ["a@x.example"])
        try store.pauseAccount("acct", reason: "refused", now: now)
        #expect(try store.job(id: 9)?.state == .paused)
        #expect(try store.pausedAccounts() == ["acct": [9, 10]])
    }

    /// What maild reads to rebuild a job's bounce breaker: final outcomes only, in order, since
    /// the last resume of a paused job; the two ends of a long history.
    @Test func breakerOutcomesSinceTheLastResume() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try runningJob(store, (1...8).map { "r\($0)@x.example" }, accounts: ["gmail-main"])
        let claimed = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 8)
        let classes: [(ReplyClass, DeliveryOutcome.Transition)] = [
            (.success, .sent), (.bounce, .suppressAndFail), (.transient, .deferred(until: now.addingTimeInterval(600))),
            (.reject, .failed), (.success, .sent), (.throttle, .requeued), (.success, .sent), (.bounce, .suppressAndFail),
        ]
        for (index, (recipient, (replyClass, transition))) in zip(claimed, classes).enumerated() {
            try store.record([QueueFixtures.outcome(recipient, transition, at: now.addingTimeInterval(Double(index)), replyClass: replyClass)])
        }
        let all = try store.breakerOutcomes(jobID: jobID, first: 10, last: 10)
        #expect(all == BreakerHistory(total: 6, first: ["success", "bounce", "reject", "success", "success", "bounce"], last: []))
        let ends = try store.breakerOutcomes(jobID: jobID, first: 2, last: 3)
        #expect(ends == BreakerHistory(total: 6, first: ["success", "bounce"], last: ["success", "success", "bounce"]))

        try store.pause(jobID: jobID, reason: "circuit breaker: too many bounces", now: now.addingTimeInterval(4.5))
        try store.resume(jobID: jobID, now: now.addingTimeInterval(4.5))
        #expect(try store.breakerOutcomes(jobID: jobID, first: 10, last: 10) == BreakerHistory(total: 2, first: ["success", "bounce"], last: []))
    }
}
