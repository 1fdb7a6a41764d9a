import Foundation
import GRDB

/// Everything the queue can refuse, in words an operator can act on: what went wrong, with
/// which file or job, and what to do about it. The daemon logs `description` as is.
public enum QueueError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The folder that should hold the database does not exist.
    case directoryMissing(path: String, directory: String)
    /// maild cannot create files beside the database (SQLite needs `-wal` and `-shm` there).
    case directoryNotWritable(path: String, directory: String)
    /// The path names something that is not a regular file.
    case notAFile(path: String)
    /// An existing zero-byte file: most likely a crashed copy or a `touch`; not reset silently.
    case emptyFile(path: String)
    case readOnly(path: String)
    case permissionDenied(path: String, detail: String)
    /// Another process holds the write lock for longer than the busy timeout.
    case locked(path: String, waitedSeconds: Double)
    /// Not an SQLite database, or SQLite's integrity check found damage. Never recreated.
    case corrupted(path: String, detail: String)
    /// The database was upgraded by a newer maild: these migrations are unknown to this build.
    case newerSchema(path: String, unknownMigrations: [String])
    case migrationFailed(path: String, detail: String)
    /// A migration name this build does not have (from tooling or tests).
    case unknownMigration(identifier: String, known: [String])
    case diskFull(path: String)
    /// Any other SQLite failure, with the operation maild was doing.
    case database(path: String, operation: String, detail: String)

    case jobNotFound(jobID: Int64)
    /// The job exists but is not in a state that allows the operation (e.g. resume a completed job).
    case invalidTransition(jobID: Int64, state: JobState, operation: String)
    /// The idempotency key belongs to a submission that is still being uploaded.
    case submissionInProgress(idempotencyKey: String, jobID: Int64)

    public var description: String {
        switch self {
        case .directoryMissing(let path, let directory):
            return "queue database \(path): directory \(directory) does not exist; create it (owned by the maild user) or set queue.path"
        case .directoryNotWritable(let path, let directory):
            return "queue database \(path): directory \(directory) is not writable by maild; SQLite needs to create \(path)-wal and \(path)-shm there"
        case .notAFile(let path):
            return "queue database \(path) is not a regular file"
        case .emptyFile(let path):
            return "queue database \(path) exists but is empty (0 bytes); maild will not treat it as a new queue. Restore it from a backup, or remove it to start an empty queue"
        case .readOnly(let path):
            return "queue database \(path) is read-only for maild; fix its permissions (and those of \(path)-wal, \(path)-shm) or its file system"
        case .permissionDenied(let path, let detail):
            return "queue database \(path): permission denied (\(detail)); it must be readable and writable by the maild user"
        case .locked(let path, let waited):
            return "queue database \(path) is locked by another process (waited \(Self.seconds(waited))); is another maild or an sqlite3 shell using it? (fuser \(path))"
        case .corrupted(let path, let detail):
            return "queue database \(path) is damaged or not a maild queue (\(detail)); maild leaves it untouched. Stop maild, keep a copy, and restore from a backup or see docs/queue.md#recovery"
        case .newerSchema(let path, let unknown):
            return "queue database \(path) was upgraded by a newer maild (unknown migrations: \(unknown.joined(separator: ", "))); run that version or restore a backup taken before the upgrade"
        case .migrationFailed(let path, let detail):
            return "queue database \(path): upgrading the schema failed (\(detail)); the database is left at its previous version"
        case .unknownMigration(let identifier, let known):
            return "unknown queue migration \(identifier); this build has \(known.joined(separator: ", "))"
        case .diskFull(let path):
            return "queue database \(path): the disk is full; free space, maild keeps the last committed state"
        case .database(let path, let operation, let detail):
            return "queue database \(path): \(operation) failed: \(detail)"
        case .jobNotFound(let jobID):
            return "no job \(jobID) (see `mailctl list`)"
        case .invalidTransition(let jobID, let state, let operation):
            return "cannot \(operation) job \(jobID): it is \(state)"
        case .submissionInProgress(let key, let jobID):
            return "a submission with idempotency key \(key) is still being uploaded (staging job \(jobID)); wait for it or abandon it"
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : String(format: "%.1fs", value)
    }

    /// Translates an SQLite or GRDB error into the operator's terms, keeping QueueErrors as they are.
    static func describe(_ error: any Error, path: String, operation: String, busyTimeout: Double) -> QueueError {
        if let error = error as? QueueError { return error }
        guard let error = error as? DatabaseError else {
            return .database(path: path, operation: operation, detail: String(describing: error))
        }
        let detail = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .locked(path: path, waitedSeconds: busyTimeout)
        case .SQLITE_READONLY:
            return .readOnly(path: path)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return .corrupted(path: path, detail: detail)
        case .SQLITE_FULL:
            return .diskFull(path: path)
        case .SQLITE_PERM, .SQLITE_AUTH:
            return .permissionDenied(path: path, detail: detail)
        case .SQLITE_CANTOPEN:
            return .database(path: path, operation: operation, detail: "cannot open the file (\(detail))")
        default:
            return .database(path: path, operation: operation, detail: detail)
        }
    }
}
