import Foundation
import GRDB

/// Recording what workers did, many outcomes per transaction (group commit).
///
/// One fsync-bound commit per message would cap maild at a few hundred messages a second on
/// ordinary disks; batching outcomes makes the commit cost per batch, see `OutcomeCommitter`.
extension QueueStore {
    /// Records a batch of outcomes in ONE transaction: the attempt row, the recipient's new
    /// state, the suppression entry for bounces and the send-log row for throttles.
    ///
    /// An outcome only moves a recipient that is `sending` (claimed), except `.sent`, which is
    /// recorded whatever the state unless already sent: the message did leave. Deferred or
    /// requeued recipients of a cancelled job become cancelled.
    public func record(_ outcomes: [DeliveryOutcome]) throws {
        guard !outcomes.isEmpty else { return }
        try write("recording \(outcomes.count) delivery outcomes") { db in
            let insertAttempt = try db.cachedStatement(sql: """
                INSERT INTO attempts (recipient_id, job_id, account, provider, at, stage, code, enhanced, text, class, rule,
                                      duration_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let sent = try db.cachedStatement(sql: """
                UPDATE recipients SET state = 'sent', attempts = attempts + 1, next_attempt_at = NULL, sent_at = :at,
                    first_attempt_at = COALESCE(first_attempt_at, :at),
                    last_class = :class, last_code = :code, last_enhanced = :enhanced, last_text = :text,
                    last_stage = :stage, last_rule = :rule, updated_at = :at
                WHERE id = :id AND state != 'sent'
                """)
            let moved = try db.cachedStatement(sql: """
                UPDATE recipients SET
                    state = CASE WHEN :state IN ('deferred', 'pending')
                                  AND (SELECT state FROM jobs WHERE jobs.id = recipients.job_id) = 'cancelled'
                                 THEN 'cancelled' ELSE :state END,
                    attempts = attempts + :spent, next_attempt_at = :next,
                    first_attempt_at = CASE WHEN :spent > 0 THEN COALESCE(first_attempt_at, :at) ELSE first_attempt_at END,
                    last_class = :class, last_code = :code, last_enhanced = :enhanced, last_text = :text,
                    last_stage = :stage, last_rule = :rule, updated_at = :at
                WHERE id = :id AND state = 'sending'
                """)
            let suppress = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO suppression (address, reason, class, job_id, at)
                SELECT lower(normalized_address), :reason, :class, job_id, :at FROM recipients WHERE id = :id
                """)
            let logSend = try db.cachedStatement(sql: "INSERT INTO send_log (account, provider, at) VALUES (?, ?, ?)")

            for outcome in outcomes {
                let info = outcome.attempt
                let at = QueueTime.millis(info.at)
                try insertAttempt.execute(arguments: [
                    outcome.recipientID, outcome.jobID, outcome.account, outcome.provider, at, info.stage, info.code,
                    info.enhanced, info.text, info.replyClass?.rawValue, info.rule, info.durationMilliseconds,
                ])
                var arguments: StatementArguments = [
                    "id": outcome.recipientID, "at": at, "class": info.replyClass?.rawValue, "code": info.code,
                    "enhanced": info.enhanced, "text": info.text, "stage": info.stage, "rule": info.rule,
                ]
                switch outcome.transition {
                case .sent:
                    try sent.execute(arguments: arguments)
                case .deferred(let until):
                    arguments += ["state": "deferred", "spent": 1, "next": QueueTime.millis(until)]
                    try moved.execute(arguments: arguments)
                case .failed:
                    arguments += ["state": "failed", "spent": 1, "next": nil as Int64?]
                    try moved.execute(arguments: arguments)
                case .requeued:
                    arguments += ["state": "pending", "spent": 0, "next": nil as Int64?]
                    try moved.execute(arguments: arguments)
                case .suppressAndFail:
                    arguments += ["state": "failed", "spent": 1, "next": nil as Int64?]
                    try moved.execute(arguments: arguments)
                    let reason = [info.code.map(String.init), info.enhanced, info.text].compactMap { $0 }.joined(separator: " ")
                    try suppress.execute(arguments: [
                        "reason": reason.isEmpty ? "bounce" : reason, "class": info.replyClass?.rawValue ?? "bounce",
                        "at": at, "id": outcome.recipientID,
                    ])
                }
                if outcome.countsTowardLimits {
                    try logSend.execute(arguments: [outcome.account, outcome.provider, at])
                }
                if let entry = outcome.sendLog { try Self.logSend(entry, db) }
            }
        }
    }
}
