import Foundation

/// Whether something already listens on a Unix socket path.
///
/// Binding unlinks a socket file left by a maild that died; it must not unlink one a running
/// maild still serves on, or that maild would go on sending with no way to reach it.
enum LiveSocketProbe {
    enum Finding: Equatable {
        /// Nothing there, not a socket, or a socket file nobody listens on (ECONNREFUSED).
        case free
        /// A connection was accepted, or waits in a full backlog.
        case listening
        /// The connect failed otherwise (EACCES: another user's socket); not safe to unlink.
        case unknown(String)
    }

    static func probe(_ path: String) -> Finding {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK else { return .free }
        // Non-blocking: a Unix connect to a listener whose backlog is full would block startup.
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return .unknown(String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return .free }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result == 0 { return .listening }
        switch errno {
        case EAGAIN, EINPROGRESS: return .listening
        case ECONNREFUSED, ENOENT: return .free
        case let code: return .unknown(String(cString: strerror(code)))
        }
    }
}
