/// Failures of the IPC listener itself (not of one request).
public enum IPCServerError: Error, CustomStringConvertible {
    case peerCredentialsUnavailable(String)
    case cannotBind(path: String, detail: String)
    case cannotSetPermissions(path: String, detail: String)

    public var description: String {
        switch self {
        case .peerCredentialsUnavailable(let detail):
            return "cannot read the IPC peer's credentials: \(detail)"
        case .cannotBind(let path, let detail):
            return "cannot listen on \(path): \(detail) (is another maild running? does the folder exist and belong to maild's user?)"
        case .cannotSetPermissions(let path, let detail):
            return "cannot set mode or group of \(path): \(detail)"
        }
    }
}
