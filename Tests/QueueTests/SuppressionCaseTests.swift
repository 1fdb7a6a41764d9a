import Delivery
import Foundation
import Queue
import Testing

/// The suppression list matches addresses whatever the case of their ASCII letters, while
/// duplicates keep the local part's case: mailing someone who bounced or unsubscribed as
/// `John.Smith@` because the list said `john.smith@` is the worse mistake.
@Suite struct SuppressionCaseTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aBounceAndAnOperatorsEntryStopEveryCaseOfTheAddress() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let first = try QueueFixtures.submit(store, ["John.Smith@example.com", "ann@example.com"], now: now)
        try store.startDueJobs(now: now)
        let claimed = try store.claimDueRecipients(account: "gmail-main", now: now, limit: 10)
        try store.record([QueueFixtures.outcome(claimed[0], .suppressAndFail, code: 550, replyClass: .bounce)])
        try store.suppress("ANN@example.com", reason: "unsubscribed by phone")
        #expect(try store.suppressionList().map(\.address) == ["ann@example.com", "john.smith@example.com"])
        #expect(try store.recipients(suppressedBy: "JOHN.SMITH@example.com").map(\.address) == ["John.Smith@example.com"])
        #expect(try store.recipients(suppressedBy: "john.smith@example.com", jobID: first).count == 1)

        // A later list with other spellings: both skipped at commit.
        let second = try QueueFixtures.submit(store, ["john.smith@example.com", "Ann@example.com", "bob@example.com"], now: now)
        #expect(try store.counts(jobID: second).skipped == 2)
        #expect(try store.isSuppressed("JOHN.smith@example.com"))
    }

    /// Entries a bounce wrote before migration 0011 kept the recipient's case: folded on upgrade.
    @Test func theMigrationFoldsOlderEntries() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        try QueueMigrator.createDatabase(at: queue.path, upTo: "0010_send_log_send_id")
        try Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("insert into suppression (address, reason, at) values ('John.Smith@example.com', '550 5.1.1 bounced', 1)")
            db.execute("insert into suppression (address, reason, at) values ('Ann@example.com', 'bounced', 1)")
            db.execute("insert into suppression (address, reason, at) values ('ann@example.com', 'unsubscribed', 2)")
            db.commit()
            """, [queue.path])
        let store = try queue.open()
        #expect(try store.suppressionList().map { "\($0.address) \($0.reason)" } == ["ann@example.com unsubscribed", "john.smith@example.com 550 5.1.1 bounced"])
    }
}
