import Foundation
import GRDB
import Synchronization

/// The durable queue: one SQLite file in WAL mode, the source of truth for jobs, recipients,
/// attempts, suppression and throttle history.
///
/// Methods are synchronous and thread-safe (GRDB serializes writes on one connection and reads
/// from a pool of readers); the daemon calls them off its event loops. Every write method is one
/// transaction: either all of it is on disk or none of it.
public final class QueueStore: Sendable {
    public let path: String
    /// How long a write waits for another process's lock before failing with `.locked`.
    public let busyTimeout: TimeInterval
    let pool: DatabasePool
    private let committedTransactions = Mutex<Int>(0)
    /// Duplicate detection for jobs being uploaded.
    let stagingAddresses = StagingAddresses()

    /// Opens the queue at `path`, creating it if missing, and upgrades its schema.
    ///
    /// An existing file is checked with `PRAGMA quick_check` first; a damaged one is refused and
    /// left untouched, never recreated. A database upgraded by a newer maild is refused too.
    public init(path: String, busyTimeout: TimeInterval = 5) throws {
        self.path = path
        self.busyTimeout = busyTimeout
        let existed = try Self.checkLocation(path)

        var configuration = Configuration()
        configuration.label = "maild.queue"
        // A second maild, a backup or an sqlite3 shell may hold the lock for a moment.
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // Checkpoints run inside the commit that crosses the threshold and end with an
            // fdatasync; at SQLite's default (1,000 pages) a million-recipient upload paid 150
            // of them in its critical path. 8,000 pages (32 MiB of WAL) makes it 20.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8000")
        }
        do {
            // DatabasePool switches to WAL and sets synchronous=NORMAL: a commit is durable once
            // it is in the WAL, which survives a process crash; only a power loss may lose the
            // last transactions, never corrupt the file.
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw QueueError.describe(error, path: path, operation: "opening", busyTimeout: busyTimeout)
        }
        do {
            if existed { try checkIntegrity() }
            try probeWriteLock()
            try migrate()
        } catch {
            try? pool.close()
            throw error
        }
    }

    /// Fails early, with the path in the message, for the mistakes operators make most.
    private static func checkLocation(_ path: String) throws -> Bool {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw QueueError.directoryMissing(path: path, directory: directory)
        }
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            guard access(directory, W_OK) == 0 else {
                throw QueueError.directoryNotWritable(path: path, directory: directory)
            }
            return false
        }
        guard !isDirectory.boolValue else { throw QueueError.notAFile(path: path) }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? NSNumber, size.intValue == 0 {
            throw QueueError.emptyFile(path: path)
        }
        guard access(path, R_OK) == 0 else {
            throw QueueError.permissionDenied(path: path, detail: String(cString: strerror(errno)))
        }
        // As root, access() ignores mode bits but still reports immutable files and read-only mounts.
        guard access(path, W_OK) == 0 else { throw QueueError.readOnly(path: path) }
        return true
    }

    private func checkIntegrity() throws {
        let problems: [String]
        do {
            problems = try pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check(5)") }
        } catch {
            throw QueueError.describe(error, path: path, operation: "checking integrity", busyTimeout: busyTimeout)
        }
        guard problems == ["ok"] else {
            throw QueueError.corrupted(path: path, detail: "quick_check: " + problems.joined(separator: "; "))
        }
    }

    /// Takes and releases the write lock once, writing nothing: at startup so that a database
    /// held by another process is reported (after the busy timeout) rather than on the first
    /// delivery, and from the watchdog's health check, because in WAL mode reads keep working
    /// while nobody can write.
    public func probeWriteLock() throws {
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) { .commit }
            }
        } catch {
            throw QueueError.describe(error, path: path, operation: "taking the write lock", busyTimeout: busyTimeout)
        }
    }

    private func migrate() throws {
        let migrator = QueueMigrator.migrator()
        let known = Set(QueueMigrator.identifiers)
        do {
            let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
            let unknown = applied.subtracting(known).sorted()
            guard unknown.isEmpty else { throw QueueError.newerSchema(path: path, unknownMigrations: unknown) }
        } catch {
            throw QueueError.describe(error, path: path, operation: "reading the schema version", busyTimeout: busyTimeout)
        }
        do {
            try migrator.migrate(pool)
        } catch let error as DatabaseError where error.resultCode != .SQLITE_BUSY && error.resultCode != .SQLITE_FULL {
            throw QueueError.migrationFailed(path: path, detail: error.message ?? "\(error.resultCode)")
        } catch {
            throw QueueError.describe(error, path: path, operation: "upgrading the schema", busyTimeout: busyTimeout)
        }
    }

    /// The migrations recorded in the database, in the order they were applied.
    public func appliedMigrations() throws -> [String] {
        try read("reading the schema version") { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
    }

    /// Closes every connection; later calls fail. Optional: deinit closes too.
    public func close() throws {
        do { try pool.close() } catch {
            throw QueueError.describe(error, path: path, operation: "closing", busyTimeout: busyTimeout)
        }
    }

    /// Write transactions committed through this store since it opened (the group-commit
    /// measure: outcomes recorded per transaction).
    public var committedTransactionCount: Int { committedTransactions.withLock { $0 } }

    /// The form the suppression list holds and is matched on: trimmed, ASCII letters lowercased,
    /// exactly what SQLite's `lower()` does to a recipient's `normalized_address` in the queries
    /// that check the list. Local parts are case-sensitive in theory (RFC 5321 section 2.4), and
    /// duplicates keep that, but no provider treats them so: mailing someone who unsubscribed
    /// as `John.Smith@` because the list said `john.smith@` is the worse mistake.
    public static func normalize(_ address: String) -> String {
        let trimmed = address.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.contains(where: { (0x41...0x5A).contains($0) }) else { return trimmed }
        return String(decoding: trimmed.utf8.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    // MARK: - Transactions

    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        do {
            let result = try pool.write(body)
            committedTransactions.withLock { $0 += 1 }
            return result
        } catch {
            throw QueueError.describe(error, path: path, operation: operation, busyTimeout: busyTimeout)
        }
    }

    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw QueueError.describe(error, path: path, operation: operation, busyTimeout: busyTimeout)
        }
    }

    /// The job row whatever its state, staging included; nil if there is none.
    func jobRow(_ db: Database, _ jobID: Int64) throws -> JobRecord? {
        try JobRecord.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [jobID])
    }

    /// The job, or `.jobNotFound` if missing or still staging (uploads are invisible).
    func visibleJob(_ db: Database, _ jobID: Int64) throws -> JobRecord {
        guard let job = try jobRow(db, jobID), job.state != .staging else { throw QueueError.jobNotFound(jobID: jobID) }
        return job
    }
}
