import Delivery
import Foundation
import GRDB

/// An address maild will not send to again, and why.
public struct SuppressionEntry: Hashable, Sendable {
    /// Normalized, as `QueueStore.normalize` makes it.
    public var address: String
    public var reason: String
    public var replyClass: ReplyClass?
    /// The job whose bounce added it, if any.
    public var jobID: Int64?
    public var at: Date
}

extension SuppressionEntry: FetchableRecord {
    public init(row: Row) {
        address = row["address"]
        reason = row["reason"]
        replyClass = (row["class"] as String?).flatMap(ReplyClass.init(rawValue:))
        jobID = row["job_id"]
        at = QueueTime.date(row["at"] as Int64)
    }
}
