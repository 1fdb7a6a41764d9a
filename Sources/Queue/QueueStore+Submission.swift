import Foundation
import GRDB
import GRDBSQLite

/// Submitting a job: streamed in chunks, visible only once committed.
///
/// A campaign of a million recipients arrives over IPC in chunks; each chunk is its own
/// transaction so that memory stays flat, and the job stays `staging` (invisible, deleted at
/// startup) until `commitSubmission` flips it in one last transaction.
extension QueueStore {
    /// Starts a submission, or reports a replay if a committed job already has this idempotency key.
    public func beginSubmission(_ job: NewJob, now: Date = Date()) throws -> SubmissionStart {
        try write("starting a submission") { db in
            if let key = job.idempotencyKey,
               let existing = try JobRecord.fetchOne(db, sql: "SELECT * FROM jobs WHERE idempotency_key = ?", arguments: [key]) {
                guard existing.state != .staging else {
                    throw QueueError.submissionInProgress(idempotencyKey: key, jobID: existing.id)
                }
                return .replay(existing)
            }
            let nowMillis = QueueTime.millis(now)
            // Above every id ever given (migration 0012), not only the table's highest: a
            // discarded upload's id must not name the next job.
            let highWater = try Int64.fetchOne(db, sql: "SELECT last_job_id FROM job_id_high_water WHERE id = 1") ?? 0
            let highest = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM jobs") ?? 0
            let jobID = max(highWater, highest) + 1
            try db.execute(
                sql: """
                    INSERT INTO jobs (id, idempotency_key, name, account, owner_uid, owner_gid, state, spec, send_at,
                                      created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'staging', ?, ?, ?, ?)
                    """,
                arguments: [jobID, job.idempotencyKey, job.name, job.account, Int64(job.ownerUID), Int64(job.ownerGID), job.spec,
                            job.sendAt.map(QueueTime.millis), nowMillis, nowMillis])
            try db.execute(sql: """
                INSERT INTO job_id_high_water (id, last_job_id) VALUES (1, ?)
                ON CONFLICT (id) DO UPDATE SET last_job_id = excluded.last_job_id
                """, arguments: [jobID])
            var seen: Set<String> = []
            for (position, account) in ([job.account] + job.additionalAccounts).enumerated() where seen.insert(account).inserted {
                try db.execute(sql: "INSERT INTO job_accounts (job_id, account, position) VALUES (?, ?, ?)",
                               arguments: [jobID, account, position])
            }
            return .started(jobID: jobID)
        }
    }

    /// Adds one chunk of recipients to a staging job in one transaction. Addresses already in
    /// the job (same normalized form), earlier in this chunk or in an earlier one, are dropped
    /// and counted as duplicates (see `StagingAddresses`).
    @discardableResult
    public func appendRecipients(jobID: Int64, _ recipients: [NewRecipient], now: Date = Date()) throws -> AppendResult {
        let keys = recipients.map { StagingAddresses.Key($0.normalizedAddress) }
        var claimed: [StagingAddresses.Key] = []
        do {
            return try write("adding recipients to job \(jobID)") { db in
                guard let job = try jobRow(db, jobID) else { throw QueueError.jobNotFound(jobID: jobID) }
                guard job.state == .staging else {
                    throw QueueError.invalidTransition(jobID: jobID, state: job.state, operation: "add recipients to")
                }
                let isNew = try stagingAddresses.insert(keys, jobID: jobID, db: db)
                claimed = zip(keys, isNew).compactMap { $1 ? $0 : nil }
                let nowMillis = QueueTime.millis(now)
                let fresh = zip(recipients, isNew).compactMap { $1 ? $0 : nil }
                var seq = Int64(job.recipientCount)
                // Many rows per statement: each execution of an INSERT evaluates the table's
                // CHECK (state IN (...)) by building a small temporary index first, which cost
                // more than the row itself when rows went one per execution.
                var next = fresh[...]
                while !next.isEmpty {
                    let rows = next.count >= Self.rowsPerInsert ? Self.rowsPerInsert : 1
                    let statement = try db.cachedStatement(sql: rows == 1 ? Self.insertOneSQL : Self.insertManySQL)
                    let raw = statement.sqliteStatement
                    sqlite3_reset(raw)
                    var parameter: Int32 = 1
                    for recipient in next.prefix(rows) {
                        seq += 1
                        sqlite3_bind_int64(raw, parameter, jobID)
                        sqlite3_bind_int64(raw, parameter + 1, seq)
                        Self.bind(raw, parameter + 2, recipient.address)
                        Self.bind(raw, parameter + 3, recipient.normalizedAddress)
                        Self.bind(raw, parameter + 4, recipient.domain)
                        Self.bind(raw, parameter + 5, recipient.name)
                        Self.bind(raw, parameter + 6, recipient.variables)
                        Self.bind(raw, parameter + 7, recipient.skipReason == nil ? "pending" : "skipped")
                        Self.bind(raw, parameter + 8, recipient.skipReason)
                        sqlite3_bind_int64(raw, parameter + 9, nowMillis)
                        parameter += 10
                    }
                    // Bound through the C API: GRDB's StatementArguments allocate per row, which
                    // costs seconds over a million recipients.
                    let code = sqlite3_step(raw)
                    guard code == SQLITE_DONE else {
                        let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                        sqlite3_reset(raw)
                        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
                    }
                    sqlite3_reset(raw)
                    sqlite3_clear_bindings(raw)
                    next = next.dropFirst(rows)
                }
                let inserted = fresh.count
                let skipped = fresh.count { $0.skipReason != nil }
                let duplicates = recipients.count - inserted
                try db.execute(
                    sql: """
                        UPDATE jobs SET recipient_count = recipient_count + ?, duplicate_count = duplicate_count + ?,
                                        skipped_count = skipped_count + ?, updated_at = ?
                        WHERE id = ?
                        """,
                    arguments: [inserted, duplicates, skipped, nowMillis, jobID])
                return AppendResult(inserted: inserted, duplicates: duplicates)
            }
        } catch {
            // Nothing of this chunk was stored: its addresses are not in the job.
            stagingAddresses.remove(claimed, jobID: jobID)
            throw error
        }
    }

    /// Makes a staging job real: `queued`, or `scheduled` if its send time is in the future.
    /// Recipients on the suppression list become `skipped` here, in the same transaction.
    @discardableResult
    public func commitSubmission(jobID: Int64, now: Date = Date()) throws -> JobRecord {
        try write("committing job \(jobID)") { db in
            guard let job = try jobRow(db, jobID) else { throw QueueError.jobNotFound(jobID: jobID) }
            guard job.state == .staging else {
                throw QueueError.invalidTransition(jobID: jobID, state: job.state, operation: "commit")
            }
            let nowMillis = QueueTime.millis(now)
            // One pass over the job's pending rows, each address looked up in the suppression
            // list's primary key.
            try db.execute(
                sql: """
                    UPDATE recipients SET state = 'skipped', last_text = 'suppressed: ' || (
                        SELECT reason FROM suppression WHERE suppression.address = lower(recipients.normalized_address)),
                        updated_at = ?
                    WHERE job_id = ? AND state = 'pending'
                      AND lower(normalized_address) IN (SELECT address FROM suppression)
                    """,
                arguments: [nowMillis, jobID])
            let suppressed = db.changesCount
            let state: JobState = if let sendAt = job.sendAt, sendAt > now { .scheduled } else { .queued }
            try db.execute(
                sql: "UPDATE jobs SET state = ?, skipped_count = skipped_count + ?, updated_at = ? WHERE id = ?",
                arguments: [state.rawValue, suppressed, nowMillis, jobID])
            let committed = try visibleJob(db, jobID)
            stagingAddresses.forget(jobID: jobID)
            return committed
        }
    }

    /// Drops a staging job and its recipients (the client went away or sent an invalid list).
    public func abandonSubmission(jobID: Int64) throws {
        try write("abandoning submission \(jobID)") { db in
            guard let job = try jobRow(db, jobID) else { return }
            guard job.state == .staging else {
                throw QueueError.invalidTransition(jobID: jobID, state: job.state, operation: "abandon the submission of")
            }
            try deleteStaging(db, jobIDs: [jobID])
            stagingAddresses.forget(jobID: jobID)
        }
    }

    /// At startup: deletes every staging job left by uploads a crash interrupted. Returns their ids.
    @discardableResult
    public func discardStaleSubmissions() throws -> [Int64] {
        try write("discarding unfinished submissions") { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM jobs WHERE state = 'staging' ORDER BY id")
            try deleteStaging(db, jobIDs: ids)
            for id in ids { stagingAddresses.forget(jobID: id) }
            return ids
        }
    }

    static let rowsPerInsert = 64
    static let insertOneSQL = insertSQL(rows: 1)
    static let insertManySQL = insertSQL(rows: rowsPerInsert)

    static func insertSQL(rows: Int) -> String {
        let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
        return """
            INSERT INTO recipients
                (job_id, seq, address, normalized_address, domain, name, variables, state, last_text, updated_at)
            VALUES \(values)
            """
    }

    /// SQLITE_TRANSIENT: SQLite copies the bytes, so the Swift string may go away after the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func bind(_ statement: OpaquePointer?, _ index: Int32, _ text: String?) {
        guard var utf8 = text else {
            sqlite3_bind_null(statement, index)
            return
        }
        utf8.withUTF8 { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text(statement, index, chars.baseAddress, Int32(chars.count), transient)
            }
        }
    }

    private func deleteStaging(_ db: Database, jobIDs: [Int64]) throws {
        for id in jobIDs {
            try db.execute(sql: "DELETE FROM recipients WHERE job_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM jobs WHERE id = ? AND state = 'staging'", arguments: [id])
        }
    }
}
