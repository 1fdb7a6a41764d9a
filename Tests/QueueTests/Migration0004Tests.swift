import Foundation
import Queue
import Testing

/// 0004 rebuilds the recipients table without its UNIQUE constraint: every row, id and
/// attempt survives, and duplicates are still collapsed while a job uploads.
@Suite struct Migration0004Tests {
    @Test func upgradesAVersion3DatabaseKeepingRowsIdsAndAttempts() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        try QueueMigrator.createDatabase(at: queue.path, upTo: "0003_job_send_log_and_throttle_state")
        try Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("insert into jobs (id, name, account, owner_uid, owner_gid, state, spec, recipient_count, created_at, updated_at) values (3, 'old', 'acct', 1000, 1000, 'running', x'7b7d', 3, 1000, 1000)")
            for rid, seq, a, state in [(11, 1, 'a@x.example', 'sent'), (12, 2, 'b@x.example', 'deferred'), (15, 3, 'c@y.example', 'pending')]:
                db.execute("insert into recipients (id, job_id, seq, address, normalized_address, domain, variables, state, attempts, next_attempt_at, last_code, updated_at) values (?, 3, ?, ?, ?, ?, '{\\"n\\":\\"1\\"}', ?, 1, 5000, 451, 1000)", (rid, seq, a, a, a.split('@')[1], state))
            db.execute("insert into attempts (recipient_id, job_id, account, provider, at, code, class) values (12, 3, 'acct', 'generic', 2000, 451, 'transient')")
            db.commit()
            """, [queue.path])

        let store = try queue.open()
        #expect(try store.appliedMigrations() == QueueMigrator.identifiers)
        let rows = try store.recipients(jobID: 3)
        #expect(rows.map(\.id) == [11, 12, 15])
        #expect(rows.map(\.state) == [.sent, .deferred, .pending])
        #expect(rows.allSatisfy { $0.variables == #"{"n":"1"}"# && $0.attempts == 1 })
        let schema = try Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            print(db.execute("select count(*) from attempts where recipient_id = 12").fetchone()[0])
            print(sorted(r[0] for r in db.execute("select name from sqlite_master where type = 'index' and tbl_name = 'recipients'")))
            print(db.execute("pragma foreign_key_check").fetchall())
            print(db.execute("pragma integrity_check").fetchone()[0])
            """, [queue.path])
        #expect(schema == "1\n['recipients_by_job_state', 'recipients_due']\n[]\nok\n")
    }

    /// The duplicate check lives in memory while a job uploads; another store opened on the
    /// same file (a second process) rebuilds it from the rows already there.
    @Test func duplicatesAreCollapsedEvenAcrossStoreInstances() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let first = try queue.open()
        guard case .started(let jobID) = try first.beginSubmission(QueueFixtures.job()) else { return }
        #expect(try first.appendRecipients(jobID: jobID, QueueFixtures.recipients(["a@x.example", "b@x.example"]))
                == AppendResult(inserted: 2, duplicates: 0))
        let second = try queue.open()
        #expect(try second.appendRecipients(jobID: jobID, QueueFixtures.recipients(["a@X.EXAMPLE", "c@x.example", "c@x.example"]))
                == AppendResult(inserted: 1, duplicates: 2))
        let job = try second.commitSubmission(jobID: jobID)
        #expect(job.recipientCount == 3 && job.duplicateCount == 2)
        #expect(try second.recipients(jobID: jobID).map(\.seq) == [1, 2, 3])
    }
}
