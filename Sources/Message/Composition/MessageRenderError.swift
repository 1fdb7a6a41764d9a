/// Why a campaign cannot be compiled or a message cannot be rendered, naming the field and,
/// for rendering, the recipient, so the daemon can record it on that recipient and go on.
public enum MessageRenderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The spec itself is unusable (a bad From address, a template syntax error...).
    case invalidSpec(field: String, reason: String)
    /// This recipient's values make a field impossible to write safely.
    case invalidRecipient(recipient: String, field: String, reason: String)
    /// The hostname for the Message-ID is not a domain name.
    case invalidHostname(String)

    public var description: String {
        switch self {
        case .invalidSpec(let field, let reason):
            return "campaign \(field): \(reason)"
        case .invalidRecipient(let recipient, let field, let reason):
            return "recipient \(MessageError.quoted(recipient)): \(field): \(reason)"
        case .invalidHostname(let hostname):
            return "hostname \(MessageError.quoted(hostname)) cannot be used in a Message-ID: letters, digits, '-' and '.' only"
        }
    }
}
