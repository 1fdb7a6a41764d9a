/// How the connection is protected.
public enum TLSMode: String, Hashable, Sendable, CaseIterable {
    /// TLS from the first byte (submissions port 465, RFC 8314).
    case implicit
    /// Plaintext greeting, then STARTTLS (port 587 or 25, RFC 3207). Required: a server that
    /// does not offer STARTTLS is refused, so an attacker who strips the keyword cannot
    /// downgrade the session to plaintext.
    case startTLS = "starttls"
    /// No TLS at all; only when an operator configures it explicitly.
    case none
}
