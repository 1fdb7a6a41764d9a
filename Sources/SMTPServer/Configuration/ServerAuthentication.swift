import SMTP

/// What AUTH (RFC 4954) the server offers and which credentials it accepts.
///
/// Passwords serve PLAIN, LOGIN and CRAM-MD5 alike; XOAUTH2 checks tokens, and answers a wrong
/// one the way Gmail and Outlook do (a 334 carrying a base64 JSON error, then 535 after the
/// client's empty line), because that detour is what client code gets wrong.
public struct ServerAuthentication: Sendable, Hashable {
    /// Offered in this order in the EHLO reply; empty means no AUTH at all.
    public var mechanisms: [AuthMechanism]
    /// Username to password.
    public var passwords: [String: String]
    /// Username to OAuth 2 bearer token.
    public var tokens: [String: String]
    /// MAIL is refused with 530 5.7.0 until the client has authenticated (a submission server).
    public var isRequired: Bool

    public init(mechanisms: [AuthMechanism] = [], passwords: [String: String] = [:], tokens: [String: String] = [:],
                isRequired: Bool = false) {
        self.mechanisms = mechanisms
        self.passwords = passwords
        self.tokens = tokens
        self.isRequired = isRequired
    }

    public static let disabled = ServerAuthentication()
}
