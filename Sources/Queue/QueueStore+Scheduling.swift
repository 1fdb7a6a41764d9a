import Foundation
import GRDB

/// The scheduler's side: start jobs, claim due recipients, give claims back, close finished jobs.
extension QueueStore {
    /// queued -> running, and scheduled -> running once `send_at <= now`. Returns the started ids.
    @discardableResult
    public func startDueJobs(now: Date = Date()) throws -> [Int64] {
        try write("starting due jobs") { db in
            let nowMillis = QueueTime.millis(now)
            let ids = try Int64.fetchAll(
                db, sql: """
                    SELECT id FROM jobs
                    WHERE state = 'queued' OR (state = 'scheduled' AND (send_at IS NULL OR send_at <= ?))
                    ORDER BY id
                    """,
                arguments: [nowMillis])
            for id in ids {
                try db.execute(
                    sql: "UPDATE jobs SET state = 'running', started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?",
                    arguments: [nowMillis, nowMillis, id])
            }
            return ids
        }
    }

    /// Claims up to `limit` due recipients of running jobs that send through `account` (and have
    /// not paused it), oldest job first and in list order, and marks them `sending` in the same
    /// transaction so no other worker gets them.
    /// Due means pending, or deferred with `next_attempt_at <= now`. A due recipient whose
    /// address joined the suppression list after its job was committed (a bounce in another
    /// job, `mailctl suppress`) is not claimed: it becomes `skipped`, with the list's reason.
    public func claimDueRecipients(account: String, now: Date = Date(), limit: Int) throws -> [ClaimedRecipient] {
        guard limit > 0 else { return [] }
        return try write("claiming recipients for account \(account)") { db in
            let nowMillis = QueueTime.millis(now)
            // Every running job that names this account and has not paused it (failover: a job's
            // other accounts claim from it too).
            let jobIDs = try Int64.fetchAll(db, sql: """
                SELECT jobs.id FROM job_accounts JOIN jobs ON jobs.id = job_accounts.job_id
                WHERE job_accounts.account = ? AND job_accounts.paused_reason IS NULL AND jobs.state = 'running'
                ORDER BY jobs.id
                """, arguments: [account])
            // Per job, so each query walks the partial index recipients_due in seq order and stops at LIMIT.
            let select = try db.cachedStatement(sql: """
                SELECT id, job_id, address, domain, name, variables, attempts, first_attempt_at,
                       (SELECT reason FROM suppression WHERE suppression.address = lower(recipients.normalized_address)) AS suppressed_because
                FROM recipients
                WHERE job_id = ? AND state IN ('pending', 'deferred')
                  AND (state = 'pending' OR next_attempt_at <= ?)
                ORDER BY seq LIMIT ?
                """)
            let mark = try db.cachedStatement(sql: "UPDATE recipients SET state = 'sending', updated_at = ? WHERE id = ?")
            let skip = try db.cachedStatement(sql: "UPDATE recipients SET state = 'skipped', last_text = 'suppressed: ' || ?, updated_at = ? WHERE id = ?")
            let countSkipped = try db.cachedStatement(sql: "UPDATE jobs SET skipped_count = skipped_count + ?, updated_at = ? WHERE id = ?")
            var claimed: [ClaimedRecipient] = []
            for jobID in jobIDs where claimed.count < limit {
                let rows = try Row.fetchAll(select, arguments: [jobID, nowMillis, limit - claimed.count])
                var skipped = 0
                for row in rows {
                    if let reason = row["suppressed_because"] as String? {
                        try skip.execute(arguments: [reason, nowMillis, row["id"] as Int64])
                        skipped += 1
                        continue
                    }
                    let recipient = ClaimedRecipient(
                        id: row["id"], jobID: row["job_id"], address: row["address"], domain: row["domain"],
                        name: row["name"], variables: row["variables"], attempts: row["attempts"],
                        firstAttemptAt: QueueTime.date(row["first_attempt_at"] as Int64?))
                    try mark.execute(arguments: [nowMillis, recipient.id])
                    claimed.append(recipient)
                }
                if skipped > 0 { try countSkipped.execute(arguments: [skipped, nowMillis, jobID]) }
            }
            return claimed
        }
    }

    /// Jobs paused or cancelled while some of their recipients are claimed: the workers holding
    /// those claims give them back instead of sending them, so a `mailctl pause` or `cancel`
    /// stops a job within moments, not after every claimed batch went out.
    /// Only jobs halted in the last day are looked at: a claim outlives no message's timeouts,
    /// and cancelled jobs pile up over the years.
    public func haltedJobsWithClaims(now: Date = Date()) throws -> Set<Int64> {
        try read("finding halted jobs with claimed recipients") { db in
            Set(try Int64.fetchAll(db, sql: """
                SELECT id FROM jobs
                WHERE state IN ('paused', 'cancelled') AND updated_at >= ?
                  AND EXISTS (SELECT 1 FROM recipients WHERE recipients.job_id = jobs.id AND recipients.state = 'sending')
                """, arguments: [QueueTime.millis(now.addingTimeInterval(-86_400))]))
        }
    }

    /// A claimed recipient to put back as deferred, and why.
    public struct Postponement: Sendable {
        public var recipientID: Int64
        public var until: Date
        public var reason: String

        public init(recipientID: Int64, until: Date, reason: String) {
            self.recipientID = recipientID
            self.until = until
            self.reason = reason
        }
    }

    /// Gives claims back as deferred until their `until`, without spending an attempt: their
    /// provider or job may not send before then (a cool-down, a suspension, a campaign rate),
    /// and the claim query passes them by while others go. The last attempt's code and class
    /// are cleared (what the report shows is the wait, with its reason); the attempts table
    /// keeps them. Recipients of cancelled jobs become cancelled. Returns how many changed.
    @discardableResult
    public func postponeClaims(_ postponements: [Postponement], now: Date = Date()) throws -> Int {
        guard !postponements.isEmpty else { return 0 }
        return try write("postponing claimed recipients") { db in
            let statement = try db.cachedStatement(sql: """
                UPDATE recipients
                SET state = CASE WHEN (SELECT state FROM jobs WHERE jobs.id = recipients.job_id) = 'cancelled'
                                 THEN 'cancelled' ELSE 'deferred' END,
                    next_attempt_at = CASE WHEN (SELECT state FROM jobs WHERE jobs.id = recipients.job_id) = 'cancelled'
                                           THEN NULL ELSE ? END,
                    last_stage = 'waiting', last_class = NULL, last_code = NULL, last_enhanced = NULL, last_rule = NULL,
                    last_text = ?, updated_at = ?
                WHERE id = ? AND state = 'sending'
                """)
            var changed = 0
            for postponement in postponements {
                try statement.execute(arguments: [QueueTime.millis(postponement.until), postponement.reason, QueueTime.millis(now),
                                                  postponement.recipientID])
                changed += db.changesCount
            }
            return changed
        }
    }

    /// Gives claims back without spending an attempt (shutdown, or a throttle closed before the
    /// message was sent). Recipients of cancelled jobs become cancelled. Returns how many changed.
    @discardableResult
    public func releaseClaims(_ recipientIDs: [Int64], now: Date = Date()) throws -> Int {
        guard !recipientIDs.isEmpty else { return 0 }
        return try write("releasing claimed recipients") { db in
            let statement = try db.cachedStatement(sql: """
                UPDATE recipients
                SET state = CASE WHEN (SELECT state FROM jobs WHERE jobs.id = recipients.job_id) = 'cancelled'
                                 THEN 'cancelled' ELSE 'pending' END,
                    updated_at = ?
                WHERE id = ? AND state = 'sending'
                """)
            var changed = 0
            for id in recipientIDs {
                try statement.execute(arguments: [QueueTime.millis(now), id])
                changed += db.changesCount
            }
            return changed
        }
    }

    /// At startup: every recipient left `sending` by a crash goes back to pending (no attempt
    /// spent). A message may then be sent twice if the crash came after the relay accepted it
    /// and before the outcome was committed; group commit keeps that window to milliseconds.
    @discardableResult
    public func recoverInFlight(now: Date = Date()) throws -> Int {
        try write("recovering in-flight recipients") { db in
            let nowMillis = QueueTime.millis(now)
            // Each gets an attempt row saying what happened (the attempts count is unchanged:
            // whether a message left is not known) and its interrupted_sends count goes up, so
            // `mailctl report` shows which recipients may get a second copy. Which account had
            // claimed it is not kept; the row names the job's first one.
            try db.execute(
                sql: """
                    INSERT INTO attempts (recipient_id, job_id, account, provider, at, stage, text)
                    SELECT recipients.id, recipients.job_id, jobs.account, '', ?, 'interrupted', ?
                    FROM recipients JOIN jobs ON jobs.id = recipients.job_id
                    WHERE recipients.state = 'sending'
                    """,
                arguments: [nowMillis, Self.interruptedText])
            try db.execute(
                sql: """
                    UPDATE recipients
                    SET state = CASE WHEN (SELECT state FROM jobs WHERE jobs.id = recipients.job_id) = 'cancelled'
                                     THEN 'cancelled' ELSE 'pending' END,
                        interrupted_sends = interrupted_sends + 1,
                        last_stage = 'interrupted',
                        last_text = CASE WHEN (SELECT state FROM jobs WHERE jobs.id = recipients.job_id) = 'cancelled'
                                         THEN ? ELSE ? END,
                        updated_at = ?
                    WHERE state = 'sending'
                    """,
                arguments: [Self.interruptedCancelledText, Self.interruptedText, nowMillis])
            return db.changesCount
        }
    }

    static let interruptedText = "maild stopped while this message was claimed for sending; it may have reached the relay, and it is sent again"
    static let interruptedCancelledText = "maild stopped while this message was claimed for sending; it may have reached the relay (its job is cancelled: it is not sent again)"

    /// Running jobs with no recipient pending, sending or deferred become completed. Returns
    /// their ids so the daemon can announce them.
    @discardableResult
    public func finishCompletedJobs(now: Date = Date()) throws -> [Int64] {
        try write("finishing completed jobs") { db in
            let nowMillis = QueueTime.millis(now)
            let ids = try Int64.fetchAll(db, sql: """
                SELECT id FROM jobs WHERE state = 'running' AND NOT EXISTS (
                    SELECT 1 FROM recipients WHERE recipients.job_id = jobs.id
                      AND recipients.state IN ('pending', 'sending', 'deferred'))
                ORDER BY id
                """)
            for id in ids {
                try db.execute(sql: "UPDATE jobs SET state = 'completed', finished_at = ?, updated_at = ? WHERE id = ?",
                               arguments: [nowMillis, nowMillis, id])
            }
            return ids
        }
    }

    /// The earliest `next_attempt_at` among deferred recipients of running jobs on `account`, so
    /// the scheduler can sleep until then instead of polling.
    public func nextDeferredAttempt(account: String) throws -> Date? {
        try read("reading the next retry time") { db in
            let millis = try Int64.fetchOne(db, sql: """
                SELECT MIN(r.next_attempt_at) FROM recipients r JOIN jobs j ON j.id = r.job_id
                WHERE j.state = 'running' AND r.state = 'deferred'
                  AND j.id IN (SELECT job_id FROM job_accounts WHERE account = ? AND paused_reason IS NULL)
                """, arguments: [account])
            return QueueTime.date(millis)
        }
    }
}
