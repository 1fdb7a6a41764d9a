import Foundation
import GRDB

/// The send log, so rolling-window limits ("500 a day") survive a restart.
extension QueueStore {
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

    /// Records sends outside `record(_:)` (e.g. test messages). 
    public func recordSends(account: String, provider: String, at instants: [Date]) throws {
        try write("writing the send log") { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO send_log (account, provider, at) VALUES (?, ?, ?)")
            for instant in instants { try insert.execute(arguments: [account, provider, QueueTime.millis(instant)]) }
        }
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
}
