import GRDB
import Synchronization

/// The normalized addresses already in each staging job, kept in memory while it uploads, so
/// a duplicate is dropped before it is inserted.
///
/// Why not a UNIQUE index (schema 0001 to 0003 had one): rows arrive in list order and the
/// index was in address order, so each chunk of a large upload rewrote thousands of random
/// index pages (migration 0004 explains). Recipients are only ever added while a job is
/// staging, so this set, cleared at commit or abandon, is the whole duplicate check. A
/// staging job left by a crash is discarded at startup, so the set never has to survive one;
/// if it is missing for a job that has rows (another `QueueStore` on the same file), it is
/// rebuilt from the rows.
final class StagingAddresses: Sendable {
    /// 128 bits of two differently salted SipHash values of the normalized address: 16 bytes
    /// per recipient instead of the string, with a collision among a million addresses about
    /// as likely as 2^-88.
    struct Key: Hashable {
        var high: UInt64
        var low: UInt64

        init(_ normalizedAddress: String) {
            var first = Hasher()
            first.combine(0x6d61_696c_64_01 as UInt64)
            first.combine(normalizedAddress)
            var second = Hasher()
            second.combine(0x6d61_696c_64_02 as UInt64)
            second.combine(normalizedAddress)
            high = UInt64(bitPattern: Int64(first.finalize()))
            low = UInt64(bitPattern: Int64(second.finalize()))
        }
    }

    private let jobs = Mutex<[Int64: Set<Key>]>([:])

    /// Inserts `keys` for the job; returns, for each, whether it was new. Rebuilds the job's
    /// set from its rows first if this process has none.
    func insert(_ keys: [Key], jobID: Int64, db: Database) throws -> [Bool] {
        let known = jobs.withLock { $0[jobID] != nil }
        if !known {
            var set = Set<Key>()
            let rows = try String.fetchCursor(db, sql: "SELECT normalized_address FROM recipients WHERE job_id = ?", arguments: [jobID])
            while let address = try rows.next() { set.insert(Key(address)) }
            jobs.withLock { if $0[jobID] == nil { $0[jobID] = set } }
        }
        return jobs.withLock { jobs in
            keys.map { jobs[jobID, default: []].insert($0).inserted }
        }
    }

    /// Takes back keys whose rows were not stored after all (the transaction failed).
    func remove(_ keys: [Key], jobID: Int64) {
        jobs.withLock { jobs in
            for key in keys { jobs[jobID]?.remove(key) }
        }
    }

    func forget(jobID: Int64) {
        jobs.withLock { _ = $0.removeValue(forKey: jobID) }
    }
}
