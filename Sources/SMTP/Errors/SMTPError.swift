import Foundation

/// A session-level failure: the connection, TLS, authentication or the protocol itself went
/// wrong, as opposed to a recipient or message refused inside a transaction (those are
/// ``RecipientOutcome``s).
///
/// Carries everything an operator needs to act: where (server and stage), what the server said
/// (reply with its enhanced code), and a hint when the cause is a usual misconfiguration.
public struct SMTPError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The host name did not resolve.
        case hostNotFound(detail: String)
        case connectionRefused
        case connectTimeout
        /// Any other socket-level failure (reset, unreachable network).
        case connectionFailed(detail: String)
        /// The server closed the connection while a reply was awaited.
        case connectionClosed
        /// No reply within the stage's timeout.
        case timeout(after: Duration)
        case tlsHandshakeFailed(detail: String)
        case certificateInvalid(detail: String)
        /// `starttls` was required but the server did not advertise it.
        case startTLSNotOffered
        /// The server sent bytes after its STARTTLS reply, before the handshake: they could
        /// have been injected by an attacker and would be processed as if protected.
        case plaintextAfterStartTLS
        /// A reply the stage cannot continue from (greeting 554, STARTTLS refused, a 421).
        case unexpectedReply
        case authenticationNotOffered
        /// Credentials would have crossed the network in plaintext.
        case authenticationRequiresTLS
        case authenticationFailed(mechanism: String)
        /// No mechanism the server offers fits the credentials (or the forced one is not
        /// offered): nothing was refused, nothing was tried.
        case noUsableAuthMechanism(offered: String, forced: String?)
        case malformedReply(detail: String)
        case messageTooLarge(size: Int, limit: Int)
        case smtpUTF8NotSupported
        case eightBitNotSupported
        case invalidCommand(detail: String)
        /// The session was already closed or failed when it was asked to do more.
        case sessionUnusable
    }

    public var kind: Kind
    public var stage: SMTPStage
    /// `host:port` of the server.
    public var server: String
    /// The reply that caused the failure, when there was one.
    public var reply: SMTPReply?
    /// What the operator should probably check.
    public var hint: String?
    /// What the session had learned before it failed (greeting, extensions, TLS), so that a
    /// report on a failed AUTH can still show the certificate and the TLS version.
    public var sessionSoFar: SessionInfo?
    /// True when the session ended before this message's own transaction began: the failure
    /// belongs to a transaction ahead of it (a 421 or a dropped connection after that one's
    /// data) or to the session itself, and none of this message's content reached the server.
    /// A sender can offer the message again on a new session without counting it as an
    /// attempt. A message pipelined whole behind the failure with BDAT is not marked: its
    /// content left, so its fate is unknown (stage `dot`).
    public var endedBeforeItsTurn = false

    public init(kind: Kind, stage: SMTPStage, server: String, reply: SMTPReply? = nil, hint: String? = nil) {
        self.kind = kind
        self.stage = stage
        self.server = server
        self.reply = reply
        self.hint = hint
    }

    /// The reply's basic code, for logs and records.
    public var code: Int? { reply?.code }
    public var enhancedCode: EnhancedStatusCode? { reply?.enhancedCode }

    public var summary: String {
        switch kind {
        case .hostNotFound(let detail): return "cannot resolve \(server): \(detail)"
        case .connectionRefused: return "connection to \(server) refused"
        case .connectTimeout: return "no TCP connection to \(server) within the connect timeout"
        case .connectionFailed(let detail): return "connection to \(server) failed: \(detail)"
        case .connectionClosed: return "\(server) closed the connection during \(stage)"
        case .timeout(let after): return "no reply from \(server) during \(stage) within \(after.operatorDescription)"
        case .tlsHandshakeFailed(let detail): return "TLS handshake with \(server) failed: \(detail)"
        case .certificateInvalid(let detail): return "certificate of \(server) rejected: \(detail)"
        case .startTLSNotOffered: return "\(server) does not offer STARTTLS, and TLS mode starttls requires it"
        case .plaintextAfterStartTLS: return "\(server) sent plaintext after its STARTTLS reply, before the TLS handshake; refusing the session (STARTTLS injection)"
        case .unexpectedReply: return "\(server) refused \(stage)"
        case .authenticationNotOffered: return "\(server) does not offer AUTH"
        case .authenticationRequiresTLS: return "refusing to send credentials to \(server) over an unencrypted connection"
        case .authenticationFailed(let mechanism): return "AUTH \(mechanism) rejected by \(server)"
        case .noUsableAuthMechanism(let offered, let forced?):
            return "\(server) does not offer AUTH \(forced), which the configuration forces; it offers \(offered)"
        case .noUsableAuthMechanism(let offered, nil):
            return "\(server) offers AUTH \(offered), and none of these mechanisms works with the configured kind of credentials; nothing was sent"
        case .malformedReply(let detail): return "malformed reply from \(server) during \(stage): \(detail)"
        case .messageTooLarge(let size, let limit): return "message of \(size) octets is over the \(limit)-octet SIZE limit of \(server)"
        case .smtpUTF8NotSupported: return "an address needs SMTPUTF8, which \(server) does not offer"
        case .eightBitNotSupported: return "the message has 8-bit content, and \(server) does not offer 8BITMIME"
        case .invalidCommand(let detail): return "cannot send command to \(server): \(detail)"
        case .sessionUnusable: return "the session with \(server) is closed"
        }
    }

    public var description: String {
        var result = summary
        if let reply { result += " (\(reply))" }
        if let hint { result += ": \(hint)" }
        return result
    }
}

extension Duration {
    /// `30s`, `5m`, `1.5s`: the form operators write in the configuration.
    public var operatorDescription: String {
        let (seconds, attoseconds) = components
        if attoseconds == 0 {
            if seconds % 3600 == 0, seconds > 0 { return "\(seconds / 3600)h" }
            if seconds % 60 == 0, seconds > 0 { return "\(seconds / 60)m" }
            return "\(seconds)s"
        }
        if seconds > 1_000_000 { return "\(seconds)s" }
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return "\(milliseconds)ms"
    }
}

extension Duration {
    /// Parses the forms operators write: `30s`, `5m`, `2h`, `1d`, `250ms`, or plain seconds.
    public init?(operatorInput: String) {
        let text = operatorInput.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = text.prefix(while: { $0.isNumber || $0 == "." })
        let unit = text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        // Up to ten years: beyond that a value is a typo, and the arithmetic would overflow.
        guard let value = Double(digits), value >= 0, value < 1e9 else { return nil }
        let seconds: Double
        switch unit {
        case "", "s", "sec", "secs", "second", "seconds": seconds = value
        case "ms", "msec", "milliseconds": seconds = value / 1000
        case "m", "min", "mins", "minute", "minutes": seconds = value * 60
        case "h", "hour", "hours": seconds = value * 3600
        case "d", "day", "days": seconds = value * 86400
        default: return nil
        }
        guard seconds <= 10 * 365 * 86400 else { return nil }
        self = .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
