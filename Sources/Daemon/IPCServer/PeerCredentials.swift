import CSystemd
import Foundation
import NIOCore

/// Who is on the other end of a Unix socket, as the kernel says (SO_PEERCRED), not as the
/// client claims.
public struct PeerCredentials: Sendable, Hashable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// Reads the credentials of a connected Unix-domain channel.
    static func of(_ channel: Channel) async throws -> PeerCredentials {
        guard let provider = channel as? SocketOptionProvider else {
            throw IPCServerError.peerCredentialsUnavailable("channel has no socket options")
        }
        let raw: maild_peer_credentials = try await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)).get()
        return PeerCredentials(pid: raw.pid, uid: raw.uid, gid: raw.gid)
    }

    /// The peer's groups: its primary group plus its memberships in the group database.
    /// (SO_PEERGROUPS would give the process's live list; the database is what an operator
    /// edits with `usermod -aG`, and it is what the docs promise.)
    func groups() -> Set<UInt32> {
        var result: Set<UInt32> = [gid]
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return result }
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, gid, &list, &count) < 0 {
            list = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, gid, &list, &count) >= 0 else { return result }
        }
        result.formUnion(list.prefix(Int(count)))
        return result
    }
}
