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

    /// Adds an address (an operator request, a complaint). Keeps the first reason if already
    /// there; returns whether it was added.
    @discardableResult
    public func suppress(_ address: String, reason: String, replyClass: ReplyClass? = nil, jobID: Int64? = nil,
                         now: Date = Date()) throws -> Bool {
        try suppress([address], reason: reason, replyClass: replyClass, jobID: jobID, now: now) == 1
    }

    /// Adds many addresses in one transaction (`mailctl suppress import`). Returns how many
    /// were new; the others keep their first reason.
    @discardableResult
    public func suppress(_ addresses: [String], reason: String, replyClass: ReplyClass? = nil, jobID: Int64? = nil,
                         now: Date = Date()) throws -> Int {
        guard !addresses.isEmpty else { return 0 }
        return try write("adding \(addresses.count == 1 ? addresses[0] : "\(addresses.count) addresses") to the suppression list") { db in
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO suppression (address, reason, class, job_id, at) VALUES (?, ?, ?, ?, ?)")
            var added = 0
            for address in addresses {
                try insert.execute(arguments: [Self.normalize(address), reason, replyClass?.rawValue, jobID, QueueTime.millis(now)])
                added += db.changesCount
            }
            return added
        }
    }

    /// The recipients a suppression of `address` covers (the same address whatever the case of
    /// its ASCII letters), as (job, address as listed), newest job first, in `jobID` only when
    /// given: where an unsubscribe token may come from. Without a job it reads every recipient
    /// row (there is no index by address: it made big uploads slow, migration 0004), so it is
    /// for the odd unsubscribe, not for bulk work.
    public func recipients(suppressedBy address: String, jobID: Int64? = nil) throws -> [(jobID: Int64, address: String)] {
        try read("finding the recipients at \(address)") { db in
            let rows = if let jobID {
                try Row.fetchAll(db, sql: """
                    SELECT DISTINCT job_id, address FROM recipients WHERE job_id = ? AND lower(normalized_address) = ?
                    """, arguments: [jobID, Self.normalize(address)])
            } else {
                try Row.fetchAll(db, sql: """
                    SELECT DISTINCT job_id, address FROM recipients WHERE lower(normalized_address) = ? ORDER BY job_id DESC
                    """, arguments: [Self.normalize(address)])
            }
            return rows.map { (jobID: $0["job_id"], address: $0["address"]) }
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

    /// One page of the list in address order, after `afterAddress` (paging for IPC).
    public func suppressionList(afterAddress: String, limit: Int) throws -> [SuppressionEntry] {
        try read("reading the suppression list") { db in
            try SuppressionEntry.fetchAll(db, sql: "SELECT * FROM suppression WHERE address > ? ORDER BY address LIMIT ?",
                                          arguments: [afterAddress, limit])
        }
    }
}
