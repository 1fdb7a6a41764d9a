/// Everything that can go wrong on the IPC connection, on either side.
public enum IPCError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The daemon's socket could not be reached; `hint` says the usual reason.
    case daemonUnreachable(socketPath: String, detail: String, hint: String)
    case frameTooLarge(declaredLength: Int, limit: Int)
    case emptyFrame
    case truncatedFrame(declaredLength: Int?, receivedBytes: Int)
    case malformedFrame(detail: String)
    case unknownType(String)
    case unsupportedVersion(client: Int, server: Int)
    /// The peer closed the connection before answering.
    case connectionClosed
    /// The daemon answered with an error.
    case remote(IPCFailure)
    /// An answer of a type the request cannot have.
    case unexpectedResponse(expected: String, received: String)

    public var description: String {
        switch self {
        case .daemonUnreachable(let path, let detail, let hint):
            return "cannot reach maild at \(path): \(detail). \(hint)"
        case .frameTooLarge(let length, let limit):
            return "IPC frame of \(length) bytes exceeds the limit of \(limit) bytes"
        case .emptyFrame:
            return "IPC frame with length 0"
        case .truncatedFrame(let declared, let received):
            if let declared {
                return "connection closed in the middle of an IPC frame (\(received) bytes of a frame declaring \(declared))"
            }
            return "connection closed in the middle of an IPC frame length (\(received) bytes)"
        case .malformedFrame(let detail):
            return "malformed IPC frame: \(detail)"
        case .unknownType(let type):
            return "unknown IPC message type \"\(type)\""
        case .unsupportedVersion(let client, let server):
            return "IPC protocol version mismatch: mailctl speaks \(client), maild speaks \(server); use the mailctl that came with this maild"
        case .connectionClosed:
            return "maild closed the connection before answering (see `journalctl -u maild`)"
        case .remote(let failure):
            return failure.message
        case .unexpectedResponse(let expected, let received):
            return "maild answered \"\(received)\" where \"\(expected)\" was expected"
        }
    }
}
