import Delivery
import Foundation
import GRDB

/// The suppression list: addresses never mailed again, matched on their normalized form.
extension QueueStore {
    public func isSuppressed(_ address: String) throws -> Bool {
        try read("reading the suppression list") { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM suppression WHERE address = ?)",
                              arguments: [Self.normalize(address)]) ?? false
        }
    }

    /// Adds an address (an operator request, a complaint). Keeps the first reason if already there.
    public func suppress(_ address: String, reason: String, replyClass: ReplyClass? = nil, jobID: Int64? = nil,
                         now: Date = Date()) throws {
        try write("adding \(address) to the suppression list") { db in
            try db.execute(sql: "INSERT OR IGNORE INTO suppression (address, reason, class, job_id, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Self.normalize(address), reason, replyClass?.rawValue, jobID, QueueTime.millis(now)])
        }
    }

    /// Removes an address; returns whether it was there.
    @discardableResult
    public func unsuppress(_ address: String) throws -> Bool {
        try write("removing \(address) from the suppression list") { db in
            try db.execute(sql: "DELETE FROM suppression WHERE address = ?", arguments: [Self.normalize(address)])
            return db.changesCount > 0
        }
    }

    public func suppressionList() throws -> [SuppressionEntry] {
        try read("reading the suppression list") { db in
            try SuppressionEntry.fetchAll(db, sql: "SELECT * FROM suppression ORDER BY address")
        }
    }
}
