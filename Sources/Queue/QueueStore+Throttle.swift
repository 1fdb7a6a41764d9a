import Delivery
import Foundation
import GRDB

/// The send log and the throttle state, so rolling-window limits ("500 a day"), cool-downs,
/// quota pauses and halved rates survive a restart.
extension QueueStore {
    /// One send the throttles counted, as the daemon logs it.
    public struct SendLogEntry: Hashable, Sendable {
        public var account: String
        public var provider: String
        /// nil for sends outside a job (test messages).
        public var jobID: Int64?
        public var at: Date
        /// Identifies the send, so that writing it twice (with its outcome and from the
        /// throttles' buffer) logs it once; nil: no such guard.
        public var sendID: Int64?

        public init(account: String, provider: String, jobID: Int64? = nil, at: Date, sendID: Int64? = nil) {
            self.account = account
            self.provider = provider
            self.jobID = jobID
            self.at = at
            self.sendID = sendID
        }
    }

    /// Instants of sends on an account since `since`, oldest first.
    public func sendTimes(account: String, since: Date) throws -> [Date] {
        try read("reading the send log of account \(account)") { db in
            try Int64.fetchAll(db, sql: "SELECT at FROM send_log WHERE account = ? AND at >= ? ORDER BY at",
                               arguments: [account, QueueTime.millis(since)]).map(QueueTime.date)
        }
    }

    /// Instants of sends through a provider (all accounts) since `since`, oldest first.
    public func sendTimes(provider: String, since: Date) throws -> [Date] {
        try read("reading the send log of provider \(provider)") { db in
            try Int64.fetchAll(db, sql: "SELECT at FROM send_log WHERE provider = ? AND at >= ? ORDER BY at",
                               arguments: [provider, QueueTime.millis(since)]).map(QueueTime.date)
        }
    }

    /// Instants of sends of one job since `since`, oldest first: its campaign rate limits.
    public func sendTimes(jobID: Int64, since: Date) throws -> [Date] {
        try read("reading the send log of job \(jobID)") { db in
            try Int64.fetchAll(db, sql: "SELECT at FROM send_log WHERE job_id = ? AND at >= ? ORDER BY at",
                               arguments: [jobID, QueueTime.millis(since)]).map(QueueTime.date)
        }
    }

    /// Records sends outside `record(_:)` (e.g. test messages). 
    public func recordSends(account: String, provider: String, at instants: [Date]) throws {
        try recordSends(instants.map { SendLogEntry(account: account, provider: provider, at: $0) })
    }

    /// Records the sends the daemon's throttles counted, in one transaction.
    public func recordSends(_ entries: [SendLogEntry]) throws {
        guard !entries.isEmpty else { return }
        try write("writing the send log") { db in
            for entry in entries { try Self.logSend(entry, db) }
        }
    }

    /// One send-log row; a send already logged under its `sendID` is left as it is.
    static func logSend(_ entry: SendLogEntry, _ db: Database) throws {
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO send_log (account, provider, job_id, at, send_id) VALUES (?, ?, ?, ?, ?)")
        try insert.execute(arguments: [entry.account, entry.provider, entry.jobID, QueueTime.millis(entry.at), entry.sendID])
    }

    /// Deletes send-log rows older than `olderThan` (no window is longer than a day or so).
    /// Returns how many were deleted.
    @discardableResult
    public func prune(olderThan: Date) throws -> Int {
        try write("pruning the send log") { db in
            try db.execute(sql: "DELETE FROM send_log WHERE at < ?", arguments: [QueueTime.millis(olderThan)])
            return db.changesCount
        }
    }

    // MARK: Throttle state

    /// One scope's persisted throttle state.
    public struct ThrottleStateRow: Hashable, Sendable {
        public var scope: ThrottleScope
        public var suspension: SuspensionState?
        public var adaptive: AdaptiveRateState?

        public init(scope: ThrottleScope, suspension: SuspensionState?, adaptive: AdaptiveRateState?) {
            self.scope = scope
            self.suspension = suspension
            self.adaptive = adaptive
        }
    }

    /// Writes the given scopes' states; a scope with neither a suspension nor a reduced rate
    /// is deleted.
    public func saveThrottleStates(_ rows: [ThrottleStateRow], now: Date = Date()) throws {
        guard !rows.isEmpty else { return }
        try write("writing the throttle state") { db in
            let upsert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO throttle_state
                    (scope, suspended_until, reason, streak, last_throttle_at, rate_fraction, recovering_from, updated_at,
                     learned_count, learned_period_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let delete = try db.cachedStatement(sql: "DELETE FROM throttle_state WHERE scope = ?")
            for row in rows {
                guard row.suspension != nil || row.adaptive != nil else {
                    try delete.execute(arguments: [row.scope.key])
                    continue
                }
                try upsert.execute(arguments: [
                    row.scope.key, row.suspension.map { QueueTime.millis($0.suspendedUntil) }, row.suspension?.reason,
                    row.suspension?.streak ?? 0, row.suspension.map { QueueTime.millis($0.lastThrottleAt) },
                    row.adaptive?.fraction ?? 1, row.adaptive.map { QueueTime.millis($0.recoveringFrom) }, QueueTime.millis(now),
                    row.adaptive?.learnedRate?.count, row.adaptive?.learnedRate.map { Self.milliseconds($0.per) },
                ])
            }
        }
    }

    /// A rate's period as stored: whole milliseconds, the precision `RateLimit` keeps.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Every persisted scope state; rows of a scope form this build does not know are skipped.
    public func throttleStates() throws -> [ThrottleStateRow] {
        try read("reading the throttle state") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM throttle_state ORDER BY scope").compactMap { row -> ThrottleStateRow? in
                guard let scope = ThrottleScope(key: row["scope"]) else { return nil }
                var suspension: SuspensionState?
                if let until: Int64 = row["suspended_until"] {
                    suspension = SuspensionState(streak: row["streak"], suspendedUntil: QueueTime.date(until),
                                                 lastThrottleAt: QueueTime.date((row["last_throttle_at"] as Int64?) ?? until),
                                                 reason: (row["reason"] as String?) ?? "throttle")
                }
                var adaptive: AdaptiveRateState?
                let fraction: Double = row["rate_fraction"]
                if fraction < 1, let from: Int64 = row["recovering_from"] {
                    var learned: RateLimit?
                    if let count: Int = row["learned_count"], let period: Int64 = row["learned_period_ms"] {
                        learned = try? RateLimit(count: count, per: .milliseconds(period))
                    }
                    adaptive = AdaptiveRateState(fraction: fraction, recoveringFrom: QueueTime.date(from), learnedRate: learned)
                }
                return ThrottleStateRow(scope: scope, suspension: suspension, adaptive: adaptive)
            }
        }
    }

    /// Shows the throttle in force on the running jobs of `account` (nil clears it): the
    /// status line of `mailctl status`. Kept in `pause_reason`, which only paused jobs use
    /// otherwise, so that every client already shows it; paused jobs keep their own reason.
    ///
    /// Only jobs with this one account; see ``setSharedThrottleNotes(_:now:)`` for the others.
    public func setThrottleNote(account: String, note: String?, now: Date = Date()) throws {
        try write("noting the throttle of account \(account)") { db in
            try db.execute(sql: """
                UPDATE jobs SET pause_reason = ?, updated_at = ?
                WHERE account = ? AND state = 'running' AND pause_reason IS NOT ?
                  AND (SELECT COUNT(*) FROM job_accounts WHERE job_accounts.job_id = jobs.id) = 1
                """, arguments: [note, QueueTime.millis(now), account, note])
        }
    }

    /// The throttle note of each running job that sends through several accounts: the notes in
    /// force (`"throttled: A; B"`, by account) of the accounts it still uses, each part once
    /// (a provider's throttle is in every account's note).
    public func setSharedThrottleNotes(_ notesInForce: [String: String], now: Date = Date()) throws {
        try write("noting the throttles of jobs with several accounts") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT jobs.id, jobs.pause_reason, job_accounts.account FROM jobs JOIN job_accounts ON job_accounts.job_id = jobs.id
                WHERE jobs.state = 'running' AND job_accounts.paused_reason IS NULL
                  AND (SELECT COUNT(*) FROM job_accounts AS other WHERE other.job_id = jobs.id) > 1
                ORDER BY jobs.id, job_accounts.position
                """)
            var jobs: [(id: Int64, current: String?, parts: [String])] = []
            for row in rows {
                let id: Int64 = row["id"]
                if jobs.last?.id != id { jobs.append((id, row["pause_reason"], [])) }
                guard let note = notesInForce[row["account"] as String] else { continue }
                let body = note.hasPrefix(Self.throttleNotePrefix) ? String(note.dropFirst(Self.throttleNotePrefix.count)) : note
                for part in body.components(separatedBy: "; ") where !jobs[jobs.count - 1].parts.contains(part) {
                    jobs[jobs.count - 1].parts.append(part)
                }
            }
            for job in jobs {
                let note = job.parts.isEmpty ? nil : Self.throttleNotePrefix + job.parts.joined(separator: "; ")
                guard note != job.current else { continue }
                try db.execute(sql: "UPDATE jobs SET pause_reason = ?, updated_at = ? WHERE id = ?",
                               arguments: [note, QueueTime.millis(now), job.id])
            }
        }
    }

    /// How ThrottleCoordinator starts a note.
    public static let throttleNotePrefix = "throttled: "
}
