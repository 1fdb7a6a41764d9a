import Foundation
import GRDB

/// Operator and automation control: pause, resume, cancel, retry.
extension QueueStore {
    /// Stops claiming recipients of a job; recipients being sent finish normally.
    @discardableResult
    public func pause(jobID: Int64, reason: String, now: Date = Date()) throws -> JobRecord {
        try write("pausing job \(jobID)") { db in
            let job = try visibleJob(db, jobID)
            guard [.queued, .scheduled, .running, .paused].contains(job.state) else {
                throw QueueError.invalidTransition(jobID: jobID, state: job.state, operation: "pause")
            }
            try db.execute(sql: "UPDATE jobs SET state = 'paused', pause_reason = ?, updated_at = ? WHERE id = ?",
                           arguments: [reason, QueueTime.millis(now), jobID])
            return try visibleJob(db, jobID)
        }
    }

    /// paused -> running if it had started, scheduled if its send time is still ahead, else queued.
    @discardableResult
    public func resume(jobID: Int64, now: Date = Date()) throws -> JobRecord {
        try write("resuming job \(jobID)") { db in
            let job = try visibleJob(db, jobID)
            guard job.state == .paused else {
                throw QueueError.invalidTransition(jobID: jobID, state: job.state, operation: "resume")
            }
            try resumeRow(db, job, now: now)
            return try visibleJob(db, jobID)
        }
    }

    private func resumeRow(_ db: Database, _ job: JobRecord, now: Date) throws {
        let state: JobState =
            if let sendAt = job.sendAt, sendAt > now { .scheduled } else if job.startedAt != nil { .running } else { .queued }
        try db.execute(sql: "UPDATE jobs SET state = ?, pause_reason = NULL, updated_at = ? WHERE id = ?",
                       arguments: [state.rawValue, QueueTime.millis(now), job.id])
    }

    /// Cancels a job: pending and deferred recipients become cancelled; those being sent finish
    /// and record their outcome. Returns how many recipients were cancelled.
    @discardableResult
    public func cancel(jobID: Int64, now: Date = Date()) throws -> Int {
        try write("cancelling job \(jobID)") { db in
            let job = try visibleJob(db, jobID)
            guard !job.state.isFinished else {
                throw QueueError.invalidTransition(jobID: jobID, state: job.state, operation: "cancel")
            }
            let nowMillis = QueueTime.millis(now)
            try db.execute(sql: """
                UPDATE recipients SET state = 'cancelled', next_attempt_at = NULL, updated_at = ?
                WHERE job_id = ? AND state IN ('pending', 'deferred')
                """, arguments: [nowMillis, jobID])
            let cancelled = db.changesCount
            try db.execute(sql: "UPDATE jobs SET state = 'cancelled', finished_at = ?, updated_at = ? WHERE id = ?",
                           arguments: [nowMillis, nowMillis, jobID])
            return cancelled
        }
    }

    /// Failed recipients go back to pending with their attempts reset; a completed job runs
    /// again. Suppressed addresses stay failed. Returns how many recipients were requeued.
    @discardableResult
    public func retryFailed(jobID: Int64, now: Date = Date()) throws -> Int {
        try write("retrying failed recipients of job \(jobID)") { db in
            let job = try visibleJob(db, jobID)
            guard job.state != .cancelled else {
                throw QueueError.invalidTransition(jobID: jobID, state: job.state, operation: "retry failed recipients of")
            }
            let nowMillis = QueueTime.millis(now)
            try db.execute(sql: """
                UPDATE recipients SET state = 'pending', attempts = 0, first_attempt_at = NULL, next_attempt_at = NULL, updated_at = ?
                WHERE job_id = ? AND state = 'failed'
                  AND normalized_address NOT IN (SELECT address FROM suppression)
                """, arguments: [nowMillis, jobID])
            let retried = db.changesCount
            if retried > 0 && job.state == .completed {
                try db.execute(sql: "UPDATE jobs SET state = 'running', finished_at = NULL, updated_at = ? WHERE id = ?",
                               arguments: [nowMillis, jobID])
            }
            return retried
        }
    }

    /// Pauses every queued, scheduled or running job of an account (its credentials were
    /// refused, say). Returns the paused ids.
    @discardableResult
    public func pauseJobs(account: String, reason: String, now: Date = Date()) throws -> [Int64] {
        try write("pausing jobs of account \(account)") { db in
            let ids = try Int64.fetchAll(db, sql: """
                SELECT id FROM jobs WHERE account = ? AND state IN ('queued', 'scheduled', 'running') ORDER BY id
                """, arguments: [account])
            for id in ids {
                try db.execute(sql: "UPDATE jobs SET state = 'paused', pause_reason = ?, updated_at = ? WHERE id = ?",
                               arguments: [reason, QueueTime.millis(now), id])
            }
            return ids
        }
    }

    /// Resumes the paused jobs of an account; with `reason`, only those paused for that reason
    /// (so an account-level resume does not undo an operator's own pause). Returns the ids.
    @discardableResult
    public func resumeJobs(account: String, reason: String? = nil, now: Date = Date()) throws -> [Int64] {
        try write("resuming jobs of account \(account)") { db in
            let jobs = try JobRecord.fetchAll(db, sql: """
                SELECT * FROM jobs WHERE account = ? AND state = 'paused' AND (? IS NULL OR pause_reason = ?) ORDER BY id
                """, arguments: [account, reason, reason])
            for job in jobs { try resumeRow(db, job, now: now) }
            return jobs.map(\.id)
        }
    }
}
