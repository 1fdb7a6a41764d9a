import Foundation

/// Who may do what over the socket (docs/protocol.md#authorization).
///
/// root, maild's own user and members of the admin group see and control every job; members
/// of the client group submit jobs and see and control only their own; anyone else is
/// refused at hello, before any request is read.
public struct Authorization: Sendable {
    public enum Role: String, Sendable {
        case admin
        case client
    }

    let daemonUID: UInt32
    let adminGID: UInt32?
    let clientGID: UInt32?

    public init(adminGroup: String?, clientGroup: String?, daemonUID: UInt32 = getuid()) {
        self.daemonUID = daemonUID
        adminGID = adminGroup.flatMap { getgrnam($0)?.pointee.gr_gid }
        clientGID = clientGroup.flatMap { getgrnam($0)?.pointee.gr_gid }
    }

    public func role(of peer: PeerCredentials) -> Role? {
        if peer.uid == 0 || peer.uid == daemonUID { return .admin }
        let groups = peer.groups()
        if let adminGID, groups.contains(adminGID) { return .admin }
        if let clientGID, groups.contains(clientGID) { return .client }
        return nil
    }

    /// Whether `peer` in `role` may read or control a job owned by `owner`.
    public static func may(_ role: Role, peer: PeerCredentials, accessJobOwnedBy owner: UInt32) -> Bool {
        role == .admin || peer.uid == owner
    }
}
