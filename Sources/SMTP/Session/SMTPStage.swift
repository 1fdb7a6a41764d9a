/// The point of the session a reply or a failure belongs to.
///
/// The names match the `stage` column of the shared reply corpus and the values operators
/// pass to `mailctl classify --stage`.
public enum SMTPStage: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// TCP connect, before any byte.
    case connect
    /// The server's greeting (reported as `connect` in the corpus: a greeting answers the connect).
    case greeting
    case ehlo
    case startTLS = "starttls"
    /// The TLS handshake, implicit or after STARTTLS.
    case tlsHandshake = "tls"
    case auth
    case mail
    case rcpt
    /// The reply to the DATA command itself (354 expected).
    case data
    /// The reply after the message's terminating dot (or the last BDAT chunk).
    case dot
    case rset
    case noop
    case quit

    public var description: String { rawValue }

    /// Parses the forms operators write: `rcpt`, `RCPT`, `rcpt to`, `end-of-data`.
    public init?(operatorInput: String) {
        let normalized = operatorInput.lowercased().filter { $0.isLetter }
        switch normalized {
        case "connect", "greeting", "banner": self = .connect
        case "ehlo", "helo": self = .ehlo
        case "starttls": self = .startTLS
        case "tls", "tlshandshake": self = .tlsHandshake
        case "auth": self = .auth
        case "mail", "mailfrom": self = .mail
        case "rcpt", "rcptto": self = .rcpt
        case "data": self = .data
        case "dot", "enddata", "endofdata", "bdat": self = .dot
        case "rset": self = .rset
        case "noop": self = .noop
        case "quit": self = .quit
        default: return nil
        }
    }
}
