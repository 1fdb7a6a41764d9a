import Foundation

/// One maild per queue database: an exclusive `flock` on `DATABASE.lock`, held for the
/// process's life.
///
/// SQLite's own locks keep two processes from corrupting the file, but not from both
/// delivering from it: a second maild started by hand beside the service would recover the
/// first one's in-flight claims as its own and send them again. The kernel drops the lock
/// when the process ends however it ends (`kill -9` included), so a stale lock cannot keep
/// maild down. A separate file, not the database itself: closing any descriptor of the
/// database would drop SQLite's POSIX locks on it.
public final class DatabaseOwnership: Sendable {
    public let lockPath: String
    private let descriptor: Int32

    public enum Failure: Error, CustomStringConvertible {
        case heldByAnother(lockPath: String, database: String, owner: String?)
        case cannotOpen(lockPath: String, detail: String)

        public var description: String {
            switch self {
            case .heldByAnother(let lockPath, let database, let owner):
                let who = owner.map { "maild (pid \($0))" } ?? "another maild"
                return "queue database \(database) is in use by \(who), which holds \(lockPath); "
                    + "two mailds on one database would send the same messages twice: stop the other one (systemctl status maild), or give this one its own database in maild.conf"
            case .cannotOpen(let lockPath, let detail):
                return "cannot open \(lockPath), the lock that keeps a second maild off the queue database: \(detail) (does the folder belong to maild's user?)"
            }
        }
    }

    /// Takes the lock, or says who holds it.
    public init(database: String) throws(Failure) {
        // One lock file whatever path leads to the database (a symlinked folder, `//`): the
        // folder is resolved, which exists, not the file, which may not yet (a path with a
        // missing part is left unresolved, and a second maild would resolve it once it exists).
        let file = URL(fileURLWithPath: database)
        let lockPath = file.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(file.lastPathComponent).path + ".lock"
        // 0644: a maild run once as root leaves a file the service's user can still open for
        // reading, which is all flock needs; it holds nothing but a pid.
        var descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if descriptor < 0, errno == EACCES {
            // Left by a maild run once as root: flock works on a read-only descriptor too.
            descriptor = open(lockPath, O_RDONLY | O_CLOEXEC)
        }
        guard descriptor >= 0 else {
            throw .cannotOpen(lockPath: lockPath, detail: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let owner = Self.readOwner(descriptor)
            close(descriptor)
            if reason == EWOULDBLOCK {
                throw .heldByAnother(lockPath: lockPath, database: database, owner: owner)
            }
            throw .cannotOpen(lockPath: lockPath, detail: String(cString: strerror(reason)))
        }
        // The holder's pid, for the message a second maild prints; informative only.
        let pid = Array("\(getpid())\n".utf8)
        if fcntl(descriptor, F_GETFL) & O_ACCMODE == O_RDWR, ftruncate(descriptor, 0) == 0 {
            _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
        self.lockPath = lockPath
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    private static func readOwner(_ descriptor: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.allSatisfy(\.isNumber) && !text.isEmpty ? text : nil
    }
}
