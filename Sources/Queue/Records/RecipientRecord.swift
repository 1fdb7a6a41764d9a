import Delivery
import Foundation
import GRDB

/// One recipient of a job as stored in `recipients`, for reports and status.
public struct RecipientRecord: Hashable, Sendable {
    public var id: Int64
    public var jobID: Int64
    /// Position in the submitted list, 1-based, duplicates not counted.
    public var seq: Int64
    public var address: String
    public var normalizedAddress: String
    public var domain: String
    public var name: String?
    /// The recipient's template variables as the JSON text the daemon stored.
    public var variables: String?
    public var state: RecipientState
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastClass: ReplyClass?
    public var lastCode: Int?
    public var lastEnhanced: String?
    public var lastText: String?
    public var lastStage: String?
    public var lastRule: String?
    public var sentAt: Date?
    public var updatedAt: Date
    /// Times maild stopped while this recipient was claimed: each time its message may have
    /// reached the relay before the stop, and it was sent again afterwards.
    public var interruptedSends: Int
}

extension RecipientRecord: FetchableRecord {
    public init(row: Row) throws {
        id = row["id"]
        jobID = row["job_id"]
        seq = row["seq"]
        address = row["address"]
        normalizedAddress = row["normalized_address"]
        domain = row["domain"]
        name = row["name"]
        variables = row["variables"]
        let rawState: String = row["state"]
        guard let state = RecipientState(rawValue: rawState) else {
            throw QueueError.database(path: "", operation: "reading recipient \(id)", detail: "unknown recipient state \(rawState)")
        }
        self.state = state
        attempts = row["attempts"]
        nextAttemptAt = QueueTime.date(row["next_attempt_at"] as Int64?)
        lastClass = (row["last_class"] as String?).flatMap(ReplyClass.init(rawValue:))
        lastCode = row["last_code"]
        lastEnhanced = row["last_enhanced"]
        lastText = row["last_text"]
        lastStage = row["last_stage"]
        lastRule = row["last_rule"]
        sentAt = QueueTime.date(row["sent_at"] as Int64?)
        updatedAt = QueueTime.date(row["updated_at"] as Int64)
        interruptedSends = row["interrupted_sends"] ?? 0
    }
}
