import SMTP

/// How the server offers TLS.
public enum ServerTLSMode: Sendable {
    /// Plaintext only; STARTTLS is answered with 502.
    case none
    /// Plaintext greeting, TLS after STARTTLS (RFC 3207), like ports 25 and 587.
    case startTLS(TLSContext)
    /// TLS from the first byte (RFC 8314), like port 465; the greeting follows the handshake.
    case implicit(TLSContext)

    var context: TLSContext? {
        switch self {
        case .none: return nil
        case .startTLS(let context), .implicit(let context): return context
        }
    }

    var offersStartTLS: Bool {
        if case .startTLS = self { return true }
        return false
    }

    var isImplicit: Bool {
        if case .implicit = self { return true }
        return false
    }
}
