import Delivery
import Foundation
import GRDB

/// One delivery attempt as stored in `attempts`.
public struct AttemptRecord: Hashable, Sendable {
    public var id: Int64
    public var recipientID: Int64
    public var jobID: Int64
    public var account: String
    public var provider: String
    public var attempt: AttemptInfo
}

extension AttemptRecord: FetchableRecord {
    public init(row: Row) throws {
        id = row["id"]
        recipientID = row["recipient_id"]
        jobID = row["job_id"]
        account = row["account"]
        provider = row["provider"]
        attempt = AttemptInfo(
            at: QueueTime.date(row["at"] as Int64),
            stage: row["stage"],
            code: row["code"],
            enhanced: row["enhanced"],
            text: row["text"],
            replyClass: (row["class"] as String?).flatMap(ReplyClass.init(rawValue:)),
            rule: row["rule"],
            durationMilliseconds: row["duration_ms"])
    }
}
