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

    /// paused -> running if it had started, scheduled if its send time is still ahead, else
    /// queued; and every account the job had paused (failover) is used again. A job that
    /// carried on through its other accounts can be resumed too: only its accounts come back.
    @discardableResult
    public func resume(jobID: Int64, now: Date = Date()) throws -> JobRecord {
        try write("resuming job \(jobID)") { db in
            let job = try visibleJob(db, jobID)
            let pausedAccounts = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM job_accounts WHERE job_id = ? AND paused_reason IS NOT NULL
                """, arguments: [jobID]) ?? 0
            guard job.state == .paused || (pausedAccounts > 0 && !job.state.isFinished) else {
                throw QueueError.invalidTransition(jobID: jobID, state: job.state, operation: "resume")
            }
            try db.execute(sql: "UPDATE job_accounts SET paused_reason = NULL, paused_at = NULL WHERE job_id = ?", arguments: [jobID])
            if job.state == .paused {
                try resumeRow(db, job, now: now)
            }
            return try visibleJob(db, jobID)
        }
    }

    /// The accounts a job sends through, in the campaign's order, with those it has paused.
    public func accounts(ofJob jobID: Int64) throws -> [JobAccount] {
        try read("reading the accounts of job \(jobID)") { db in try Self.accounts(ofJob: jobID, db) }
    }

    /// Accounts taken out of unfinished jobs, each with the jobs it paused (those whose pause
    /// reason is that account's: not a job an operator or the breaker paused since): the
    /// "accounts paused" of systemd's status line.
    public func pausedAccounts() throws -> [String: Set<Int64>] {
        try read("reading the paused accounts") { db in
            var result: [String: Set<Int64>] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT job_accounts.account, job_accounts.job_id,
                       jobs.state = 'paused' AND jobs.pause_reason = job_accounts.paused_reason AS paused_the_job
                FROM job_accounts JOIN jobs ON jobs.id = job_accounts.job_id
                WHERE job_accounts.paused_reason IS NOT NULL AND jobs.state IN ('queued', 'scheduled', 'running', 'paused')
                """) {
                let account: String = row["account"]
                var jobs = result[account] ?? []
                if row["paused_the_job"] as Bool { jobs.insert(row["job_id"]) }
                result[account] = jobs
            }
            return result
        }
    }

    static func accounts(ofJob jobID: Int64, _ db: Database) throws -> [JobAccount] {
        try Row.fetchAll(db, sql: """
            SELECT account, paused_reason FROM job_accounts WHERE job_id = ? ORDER BY position
            """, arguments: [jobID]).map { JobAccount(name: $0["account"], pausedBecause: $0["paused_reason"]) }
    }

    /// The job's bounce breaker starts afresh from here (the daemon resets its own at resume).
    private func resumeRow(_ db: Database, _ job: JobRecord, now: Date) throws {
        let state: JobState =
            if let sendAt = job.sendAt, sendAt > now { .scheduled } else if job.startedAt != nil { .running } else { .queued }
        try db.execute(sql: "UPDATE jobs SET state = ?, pause_reason = NULL, breaker_since = ?, updated_at = ? WHERE id = ?",
                       arguments: [state.rawValue, QueueTime.millis(now), QueueTime.millis(now), job.id])
    }

    /// A job's final outcomes from the relay (success, bounce, reject; not a message maild
    /// could not render) since its breaker last started afresh, in the order they happened, to
    /// rebuild the breaker after a restart: all of them when there are at most `first + last`,
    /// else the first `first` and the last `last`. Nothing when the job began, or its breaker
    /// started afresh, at or after `sentBefore` (the daemon saw all of that itself). Reads
    /// the job's recipients and their attempts: once per job and daemon start.
    public func breakerOutcomes(jobID: Int64, first: Int, last: Int, sentBefore: Date? = nil) throws -> BreakerHistory {
        try read("reading the outcomes of job \(jobID)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT started_at, breaker_since FROM jobs WHERE id = ?", arguments: [jobID]) else {
                return BreakerHistory(total: 0, first: [], last: [])
            }
            let since: Int64 = row["breaker_since"] ?? 0
            if let sentBefore {
                let fresh = max(row["started_at"] as Int64? ?? Int64.max, since)
                if fresh >= QueueTime.millis(sentBefore) { return BreakerHistory(total: 0, first: [], last: []) }
            }
            let from = """
                FROM attempts WHERE recipient_id IN (SELECT id FROM recipients WHERE job_id = ?)
                  AND class IN ('success', 'bounce', 'reject') AND rule IS NOT 'render-error' AND at >= ?
                """
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) " + from, arguments: [jobID, since]) ?? 0
            func classes(_ order: String, _ limit: Int) throws -> [String] {
                try String.fetchAll(db, sql: "SELECT class " + from + " ORDER BY " + order + " LIMIT ?", arguments: [jobID, since, limit])
            }
            if total <= first + last {
                return BreakerHistory(total: total, first: try classes("at, id", total), last: [])
            }
            return BreakerHistory(total: total, first: try classes("at, id", first), last: try classes("at DESC, id DESC", last).reversed())
        }
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
                  AND lower(normalized_address) NOT IN (SELECT address FROM suppression)
                """, arguments: [nowMillis, jobID])
            let retried = db.changesCount
            if retried > 0 && job.state == .completed {
                try db.execute(sql: "UPDATE jobs SET state = 'running', finished_at = NULL, updated_at = ? WHERE id = ?",
                               arguments: [nowMillis, jobID])
            }
            return retried
        }
    }

    /// The accounts unfinished jobs still send through (not taken out of them): checked against
    /// the configuration at startup and reload, so a job whose account is gone says so.
    public func accountsInUse() throws -> Set<String> {
        try read("reading the accounts of unfinished jobs") { db in
            Set(try String.fetchAll(db, sql: """
                SELECT DISTINCT job_accounts.account FROM job_accounts JOIN jobs ON jobs.id = job_accounts.job_id
                WHERE job_accounts.paused_reason IS NULL AND jobs.state IN ('queued', 'scheduled', 'running')
                """))
        }
    }

    /// Takes `account` out of every queued, scheduled or running job that sends through it (its
    /// credentials were refused, say): those jobs go on through their other accounts, and a job
    /// left with none is paused with `reason`. `mailctl resume` puts the account back.
    @discardableResult
    public func pauseAccount(_ account: String, reason: String, now: Date = Date()) throws -> AccountPauseResult {
        try write("pausing account \(account)") { db in
            let nowMillis = QueueTime.millis(now)
            let ids = try Int64.fetchAll(db, sql: """
                SELECT jobs.id FROM job_accounts JOIN jobs ON jobs.id = job_accounts.job_id
                WHERE job_accounts.account = ? AND job_accounts.paused_reason IS NULL
                  AND jobs.state IN ('queued', 'scheduled', 'running')
                ORDER BY jobs.id
                """, arguments: [account])
            var result = AccountPauseResult()
            for id in ids {
                try db.execute(sql: "UPDATE job_accounts SET paused_reason = ?, paused_at = ? WHERE job_id = ? AND account = ?",
                               arguments: [reason, nowMillis, id, account])
                let others = try String.fetchAll(db, sql: """
                    SELECT account FROM job_accounts WHERE job_id = ? AND paused_reason IS NULL ORDER BY position
                    """, arguments: [id])
                if others.isEmpty {
                    try db.execute(sql: "UPDATE jobs SET state = 'paused', pause_reason = ?, updated_at = ? WHERE id = ?",
                                   arguments: [reason, nowMillis, id])
                    result.pausedJobs.append(id)
                } else {
                    result.carriedOn.append(.init(jobID: id, accounts: others))
                }
            }
            return result
        }
    }

    /// Pauses every queued, scheduled or running job of an account, whatever other accounts the
    /// jobs have. Returns the paused ids.
    @discardableResult
    public func pauseJobs(account: String, reason: String, now: Date = Date()) throws -> [Int64] {
        try write("pausing jobs of account \(account)") { db in
            let ids = try Int64.fetchAll(db, sql: """
                SELECT id FROM jobs WHERE state IN ('queued', 'scheduled', 'running')
                  AND id IN (SELECT job_id FROM job_accounts WHERE account = ?) ORDER BY id
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
                SELECT * FROM jobs WHERE state = 'paused' AND (? IS NULL OR pause_reason = ?)
                  AND id IN (SELECT job_id FROM job_accounts WHERE account = ?) ORDER BY id
                """, arguments: [reason, reason, account])
            for job in jobs {
                try db.execute(sql: "UPDATE job_accounts SET paused_reason = NULL, paused_at = NULL WHERE job_id = ?", arguments: [job.id])
                try resumeRow(db, job, now: now)
            }
            return jobs.map(\.id)
        }
    }
}
