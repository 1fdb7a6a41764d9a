/// Failures of the IPC listener itself (not of one request).
public enum IPCServerError: Error, CustomStringConvertible {
    case peerCredentialsUnavailable(String)
    case cannotBind(path: String, detail: String)
    case cannotSetPermissions(path: String, detail: String)
    /// Another process accepts connections on the socket path.
    case socketInUse(path: String)

    public var description: String {
        switch self {
        case .peerCredentialsUnavailable(let detail):
            return "cannot read the IPC peer's credentials: \(detail)"
        case .cannotBind(let path, let detail):
            return "cannot listen on \(path): \(detail) (is another maild running? does the folder exist and belong to maild's user?)"
        case .socketInUse(let path):
            return "another process (a running maild?) accepts connections on \(path); maild leaves it alone: stop that one first, or give this one its own socket in maild.conf"
        case .cannotSetPermissions(let path, let detail):
            return "cannot set mode or group of \(path): \(detail)"
        }
    }
}
