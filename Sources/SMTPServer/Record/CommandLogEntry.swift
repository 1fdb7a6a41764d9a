import SMTP

/// One command as the server received it, with the reply it gave.
///
/// AUTH payloads never appear: an initial response and every SASL answer are replaced by
/// `<redacted N octets>` (base64 of a password is the password), so a record can be printed in
/// a failing test's output or a bug report.
public struct CommandLogEntry: Hashable, Sendable, CustomStringConvertible {
    public var connectionID: Int
    /// Upper-cased: `EHLO`, `MAIL`, `RCPT`, `DATA`, `BDAT`; `.` for the end of the data and
    /// `AUTH-RESPONSE` for a line answering a 334 challenge.
    public var verb: String
    /// The rest of the line as sent (`FROM:<a@b> SIZE=10`), redacted for AUTH.
    public var arguments: String
    public var tlsActive: Bool
    /// The reply sent; nil when the script sent raw bytes or nothing.
    public var reply: SMTPReply?

    public var description: String {
        let command = arguments.isEmpty ? verb : "\(verb) \(arguments)"
        return "#\(connectionID) \(command) -> \(reply.map(String.init(describing:)) ?? "(no reply)")"
    }
}
