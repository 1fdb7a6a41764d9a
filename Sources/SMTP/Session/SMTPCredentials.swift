/// What the client authenticates with.
///
/// Its description never shows the secret: credentials travel through logs and error texts
/// by accident far more often than on purpose.
public enum SMTPCredentials: Sendable, CustomStringConvertible {
    case password(username: String, password: String)
    /// An OAuth 2.0 access token, sent with XOAUTH2 (Gmail, Microsoft 365).
    case oauth2(username: String, accessToken: String)

    public var username: String {
        switch self {
        case .password(let username, _), .oauth2(let username, _): return username
        }
    }

    public var description: String {
        switch self {
        case .password(let username, _): return "password for \(username) (redacted)"
        case .oauth2(let username, _): return "OAuth2 token for \(username) (redacted)"
        }
    }
}
