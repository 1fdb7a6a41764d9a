/// The SASL mechanisms the client speaks (RFC 4954 and the providers' XOAUTH2).
public enum AuthMechanism: String, Hashable, Sendable, CaseIterable {
    case plain = "PLAIN"
    case login = "LOGIN"
    case cramMD5 = "CRAM-MD5"
    case xoauth2 = "XOAUTH2"

    public init?(operatorInput: String) {
        self.init(rawValue: operatorInput.uppercased())
    }

    /// Picks the mechanism to use from what the server offers.
    ///
    /// A token can only go with XOAUTH2. With a password, PLAIN is preferred inside TLS
    /// (one round trip, universally supported); without TLS (only ever when an operator
    /// allowed it) CRAM-MD5 comes first because it does not reveal the password. LOGIN is the
    /// fallback for old servers that offer nothing else.
    public static func choose(offered: [String], credentials: SMTPCredentials, tlsActive: Bool, forced: AuthMechanism?) -> AuthMechanism? {
        let offered = Set(offered.map { $0.uppercased() })
        if let forced {
            return offered.contains(forced.rawValue) ? forced : nil
        }
        let preference: [AuthMechanism]
        switch credentials {
        case .oauth2: preference = [.xoauth2]
        case .password: preference = tlsActive ? [.plain, .login, .cramMD5] : [.cramMD5, .plain, .login]
        }
        return preference.first { offered.contains($0.rawValue) }
    }
}
