import Foundation
import GRDB

/// A committed job as stored in `jobs`.
public struct JobRecord: Hashable, Sendable {
    public var id: Int64
    public var idempotencyKey: String?
    public var name: String
    public var account: String
    public var ownerUID: uid_t
    public var ownerGID: gid_t
    public var state: JobState
    public var pauseReason: String?
    /// The campaign spec exactly as the daemon handed it over (JSON); the queue never parses it.
    public var spec: Data
    /// Distinct recipients stored, skipped ones included.
    public var recipientCount: Int
    /// Addresses dropped because the same normalized address was already in the job.
    public var duplicateCount: Int
    /// Recipients never attempted: suppressed or invalid.
    public var skippedCount: Int
    public var sendAt: Date?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date
}

extension JobRecord: FetchableRecord {
    public init(row: Row) throws {
        id = row["id"]
        idempotencyKey = row["idempotency_key"]
        name = row["name"]
        account = row["account"]
        ownerUID = uid_t(truncatingIfNeeded: row["owner_uid"] as Int64)
        ownerGID = gid_t(truncatingIfNeeded: row["owner_gid"] as Int64)
        let rawState: String = row["state"]
        guard let state = JobState(rawValue: rawState) else {
            throw QueueError.database(path: "", operation: "reading job \(id)", detail: "unknown job state \(rawState)")
        }
        self.state = state
        pauseReason = row["pause_reason"]
        spec = row["spec"] ?? Data()
        recipientCount = row["recipient_count"]
        duplicateCount = row["duplicate_count"]
        skippedCount = row["skipped_count"]
        sendAt = QueueTime.date(row["send_at"] as Int64?)
        createdAt = QueueTime.date(row["created_at"] as Int64)
        startedAt = QueueTime.date(row["started_at"] as Int64?)
        finishedAt = QueueTime.date(row["finished_at"] as Int64?)
        updatedAt = QueueTime.date(row["updated_at"] as Int64)
    }
}
