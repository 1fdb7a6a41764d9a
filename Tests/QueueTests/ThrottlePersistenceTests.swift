import Delivery
import Foundation
import Queue
import Testing

/// Migration 0003: the send log per job and the throttle state, across a reopen of the store.
@Suite struct ThrottlePersistenceTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func jobSendLogAndThrottleStateSurviveAReopen() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        do {
            let store = try queue.open()
            try store.recordSends([
                QueueStore.SendLogEntry(account: "relay", provider: "google", jobID: 5, at: start),
                QueueStore.SendLogEntry(account: "relay", provider: "default", jobID: 6, at: start.addingTimeInterval(1)),
                QueueStore.SendLogEntry(account: "relay", provider: "default", at: start.addingTimeInterval(2)),
            ])
            try store.saveThrottleStates([
                QueueStore.ThrottleStateRow(scope: .account("relay"),
                                            suspension: SuspensionState(streak: 2, suspendedUntil: start.addingTimeInterval(3600), lastThrottleAt: start, reason: "quota reply"),
                                            adaptive: AdaptiveRateState(fraction: 0.25, recoveringFrom: start.addingTimeInterval(3600))),
                QueueStore.ThrottleStateRow(scope: .provider("google"), suspension: nil,
                                            adaptive: AdaptiveRateState(fraction: 0.5, recoveringFrom: start,
                                                                        learnedRate: try RateLimit(count: 42, per: .seconds(60)))),
            ], now: start)
            try store.close()
        }
        let store = try queue.open()
        #expect(try store.sendTimes(jobID: 5, since: start.addingTimeInterval(-1)) == [start])
        #expect(try store.sendTimes(jobID: 6, since: start) == [start.addingTimeInterval(1)])
        #expect(try store.sendTimes(account: "relay", since: start).count == 3)
        let states = try store.throttleStates()
        #expect(states.map(\.scope) == [.account("relay"), .provider("google")])
        #expect(states[0].suspension?.suspendedUntil == start.addingTimeInterval(3600))
        #expect(states[0].suspension?.reason == "quota reply")
        #expect(states[0].suspension?.streak == 2)
        #expect(states[0].adaptive?.fraction == 0.25)
        #expect(states[1].suspension == nil)
        // The rate an unconfigured scope was sending at survives too: it is what is halved.
        #expect(states[0].adaptive?.learnedRate == nil)
        #expect(states[1].adaptive?.learnedRate == (try RateLimit(count: 42, per: .seconds(60))))
        // A scope back to normal is deleted.
        try store.saveThrottleStates([QueueStore.ThrottleStateRow(scope: .provider("google"), suspension: nil, adaptive: nil)])
        #expect(try store.throttleStates().map(\.scope) == [.account("relay")])
    }

    /// A daily cap of 3 rebuilt from the store after a "restart" still refuses the 4th send.
    @Test func dailyCapHoldsAcrossAReopen() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let limits = ThrottleLimits(perDay: 3)
        do {
            let store = try queue.open()
            var throttle = DeliveryThrottle(accounts: ["relay": limits])
            var entries: [QueueStore.SendLogEntry] = []
            for hour in 0..<3 {
                let at = start.addingTimeInterval(Double(hour) * 3600)
                throttle.recordSend(account: "relay", provider: "default", at: at)
                entries.append(QueueStore.SendLogEntry(account: "relay", provider: "default", jobID: 1, at: at))
            }
            try store.recordSends(entries)
            try store.close()
        }
        let store = try queue.open()
        let now = start.addingTimeInterval(5 * 3600)
        var throttle = DeliveryThrottle(accounts: ["relay": limits])
        throttle.restoreSendHistory(try store.sendTimes(account: "relay", since: now.addingTimeInterval(-86_400)), for: .account("relay"))
        #expect(throttle.earliestSend(account: "relay", provider: "default", now: now) == start.addingTimeInterval(86_400))
    }

    /// The attempt row keeps the classification rule that decided it.
    @Test func attemptsRecordTheRuleThatMatched() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try QueueFixtures.submit(store, ["a@x.example"])
        try store.startDueJobs()
        let claimed = try #require(try store.claimDueRecipients(account: "gmail-main", limit: 1).first)
        let attempt = AttemptInfo(at: start, stage: "rcpt", code: 550, enhanced: "5.1.1", text: "No such user", replyClass: .bounce, rule: "unknown-recipient")
        try store.record([DeliveryOutcome(recipientID: claimed.id, jobID: jobID, account: "gmail-main", provider: "default", attempt: attempt,
                                          transition: .suppressAndFail, countsTowardLimits: false)])
        #expect(try store.attempts(recipientID: claimed.id).map(\.attempt.rule) == ["unknown-recipient"])
        #expect(try store.recipient(id: claimed.id)?.lastRule == "unknown-recipient")
        #expect(try store.isSuppressed("a@x.example"))
        #expect(try store.sendTimes(account: "gmail-main", since: start.addingTimeInterval(-1)).isEmpty)
    }

    @Test func importAddsManyAndKeepsTheFirstReason() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        #expect(try store.suppress("b@x.example", reason: "bounce 550 5.1.1"))
        #expect(try store.suppress(["a@x.example", "B@X.example", "c@y.example"], reason: "imported") == 2)
        let list = try store.suppressionList()
        #expect(list.map(\.address) == ["a@x.example", "b@x.example", "c@y.example"])
        #expect(list[1].reason == "bounce 550 5.1.1")
        #expect(try store.suppressionList(afterAddress: "a@x.example", limit: 1).map(\.address) == ["b@x.example"])
    }
}

/// An upgrade from a 0002 database: the send log gains its job column, old rows stay.
@Suite struct Migration0003Tests {
    @Test func upgradesAVersion2DatabaseKeepingItsSendLog() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        try QueueMigrator.createDatabase(at: queue.path, upTo: "0002_suppression_and_send_log")
        try Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("insert into send_log (account, provider, at) values ('relay', 'google', 1800000000000)")
            db.commit()
            """, [queue.path])
        let store = try queue.open()
        #expect(try store.appliedMigrations() == QueueMigrator.identifiers)
        #expect(QueueMigrator.identifiers.contains("0003_job_send_log_and_throttle_state"))
        #expect(try store.sendTimes(account: "relay", since: Date(timeIntervalSince1970: 0)) == [Date(timeIntervalSince1970: 1_800_000_000)])
        #expect(try store.sendTimes(jobID: 1, since: Date(timeIntervalSince1970: 0)).isEmpty)
        try store.saveThrottleStates([QueueStore.ThrottleStateRow(scope: .job(1), suspension: nil,
                                                                  adaptive: AdaptiveRateState(fraction: 0.5, recoveringFrom: Date()))])
        #expect(try store.throttleStates().count == 1)
    }
}

/// A send is written with its outcome, in the same transaction, and again from the throttles'
/// buffer; the log holds it once.
@Suite struct SendLogWithOutcomeTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aSendCommittedWithItsOutcomeIsLoggedOnceWhoeverWritesItFirst() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try QueueFixtures.submit(store, ["a@x.example", "b@x.example"], now: now)
        try store.startDueJobs(now: now)
        let claimed = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 2)
        let first = QueueStore.SendLogEntry(account: "gmail-main", provider: "gmail", jobID: jobID, at: now, sendID: 41)
        let second = QueueStore.SendLogEntry(account: "gmail-main", provider: "gmail", jobID: jobID, at: now.addingTimeInterval(1), sendID: 42)
        var sent = DeliveryOutcome(recipientID: claimed[0].id, jobID: jobID, account: "gmail-main", provider: "gmail",
                                   attempt: QueueFixtures.outcome(claimed[0], .sent).attempt, transition: .sent, countsTowardLimits: false)
        sent.sendLog = first
        // The buffer wrote the second send before its outcome came, the first one after.
        try store.recordSends([second])
        var bounced = DeliveryOutcome(recipientID: claimed[1].id, jobID: jobID, account: "gmail-main", provider: "gmail",
                                      attempt: QueueFixtures.outcome(claimed[1], .failed).attempt, transition: .failed, countsTowardLimits: false)
        bounced.sendLog = second
        try store.record([sent, bounced])
        #expect(try store.sendTimes(account: "gmail-main", since: now.addingTimeInterval(-1)) == [now, now.addingTimeInterval(1)])
        try store.recordSends([first, second])
        #expect(try store.sendTimes(jobID: jobID, since: now.addingTimeInterval(-1)) == [now, now.addingTimeInterval(1)])
        // Rows without an identity (before migration 0010, test messages) are never merged.
        try store.recordSends([QueueStore.SendLogEntry(account: "gmail-main", provider: "gmail", at: now),
                               QueueStore.SendLogEntry(account: "gmail-main", provider: "gmail", at: now)])
        #expect(try store.sendTimes(provider: "gmail", since: now.addingTimeInterval(-1)).count == 4)
    }
}
