import Foundation
import GRDB

/// What `mailctl list`, `status` and `report` read. Staging jobs are never returned.
extension QueueStore {
    /// Every column but the campaign spec, which can be megabytes (inline recipients aside,
    /// bodies and attachments) and which status, list and the housekeeping never need.
    static let jobSummaryColumns = """
        id, idempotency_key, name, account, owner_uid, owner_gid, state, pause_reason, recipient_count,
        duplicate_count, skipped_count, send_at, created_at, started_at, finished_at, updated_at
        """

    /// The job, or nil if there is none (or it is still being uploaded). Without `includingSpec`
    /// the record's spec is empty: what status and watch read many times a second.
    public func job(id: Int64, includingSpec: Bool = true) throws -> JobRecord? {
        try read("reading job \(id)") { db in
            let columns = includingSpec ? "*" : Self.jobSummaryColumns
            return try JobRecord.fetchOne(db, sql: "SELECT \(columns) FROM jobs WHERE id = ? AND state != 'staging'", arguments: [id])
        }
    }

    /// Jobs oldest first, optionally only one user's, optionally without completed and cancelled
    /// ones; their specs are not read (empty in the records).
    public func jobs(ownerUID: uid_t? = nil, includeFinished: Bool = true) throws -> [JobRecord] {
        try read("listing jobs") { db in
            var sql = "SELECT \(Self.jobSummaryColumns) FROM jobs WHERE state != 'staging'"
            var arguments: StatementArguments = []
            if let ownerUID {
                sql += " AND owner_uid = ?"
                arguments += [Int64(ownerUID)]
            }
            if !includeFinished { sql += " AND state NOT IN ('completed', 'cancelled')" }
            sql += " ORDER BY id"
            return try JobRecord.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    /// Recipients per state, from the (job_id, state) index alone.
    public func counts(jobID: Int64) throws -> RecipientCounts {
        try read("counting recipients of job \(jobID)") { db in
            _ = try visibleJob(db, jobID)
            var counts = RecipientCounts()
            let rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM recipients WHERE job_id = ? GROUP BY state",
                                        arguments: [jobID])
            for row in rows {
                if let state = RecipientState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// One page of a job's recipients in id order: pass the last id seen to get the next page.
    public func recipients(jobID: Int64, afterID: Int64 = 0, limit: Int = 1000) throws -> [RecipientRecord] {
        try read("reading recipients of job \(jobID)") { db in
            _ = try visibleJob(db, jobID)
            return try RecipientRecord.fetchAll(
                db, sql: "SELECT * FROM recipients WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?",
                arguments: [jobID, afterID, limit])
        }
    }

    public func recipient(id: Int64) throws -> RecipientRecord? {
        try read("reading recipient \(id)") { db in
            try RecipientRecord.fetchOne(db, sql: "SELECT * FROM recipients WHERE id = ?", arguments: [id])
        }
    }

    /// Every attempt for one recipient, oldest first.
    public func attempts(recipientID: Int64) throws -> [AttemptRecord] {
        try read("reading attempts of recipient \(recipientID)") { db in
            try AttemptRecord.fetchAll(db, sql: "SELECT * FROM attempts WHERE recipient_id = ? ORDER BY at, id",
                                       arguments: [recipientID])
        }
    }
}
