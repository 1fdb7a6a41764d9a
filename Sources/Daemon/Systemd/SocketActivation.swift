import CSystemd
import Foundation

/// Socket activation: the listening socket systemd passed for maild.socket, if any.
public enum SocketActivation {
    /// The passed descriptor when it is a listening Unix stream socket; nil when maild must
    /// bind the socket itself. LISTEN_FDS and friends are removed from the environment so no
    /// child process mistakes them for its own.
    public static func inheritedDescriptor() -> Int32? {
        let count = sd_listen_fds(1)
        guard count >= 1 else { return nil }
        let descriptor = SD_LISTEN_FDS_START
        guard sd_is_socket_unix(descriptor, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else { return nil }
        return descriptor
    }

    /// What differs between the socket file systemd made (SocketMode=, SocketGroup= in
    /// maild.socket) and what maild.conf says, so an operator learns why a client is refused
    /// by the kernel before maild even sees it. Empty when they agree or the file is gone.
    public static func permissionMismatches(path: String, mode: UInt32, group: String?) -> [String] {
        var status = stat()
        guard stat(path, &status) == 0 else { return [] }
        var mismatches: [String] = []
        let actualMode = UInt32(status.st_mode) & 0o777
        if actualMode != mode {
            mismatches.append("mode is \(String(actualMode, radix: 8)), socket_mode says \(String(mode, radix: 8))")
        }
        if let group, let entry = getgrnam(group), entry.pointee.gr_gid != status.st_gid {
            mismatches.append("group id is \(status.st_gid), socket_group \(group) is \(entry.pointee.gr_gid)")
        }
        return mismatches
    }
}
