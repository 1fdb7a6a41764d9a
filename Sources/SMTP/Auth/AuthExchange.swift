import Foundation

/// One SASL exchange: the AUTH command and the answers to the server's 334 challenges.
///
/// Sans-I/O like the session: it turns challenges into responses and never sees a socket.
struct AuthExchange: Sendable {
    enum Step: Sendable {
        case respond(SMTPCommand)
        case failed(String)
    }

    let mechanism: AuthMechanism
    private let credentials: SMTPCredentials
    private var challengesAnswered = 0
    /// True once the one-step response of PLAIN or XOAUTH2 was sent (initial or after a 334).
    private var credentialsSent = false
    /// XOAUTH2 failures arrive as a 334 carrying a JSON error; it is kept for the error text.
    private(set) var serverErrorDetail: String?

    init(mechanism: AuthMechanism, credentials: SMTPCredentials) {
        self.mechanism = mechanism
        self.credentials = credentials
    }

    /// The AUTH command, with an initial response where the mechanism allows one (RFC 4954
    /// section 4) to save a round trip, and without it when the line would pass 512 octets
    /// (a Microsoft 365 token is kilobytes long): the response then follows the server's 334.
    mutating func initialCommand() -> SMTPCommand {
        guard let response = credentialResponse else {
            return .auth(mechanism: mechanism.rawValue, initialResponse: nil)
        }
        if "AUTH \(mechanism.rawValue) \(response)\r\n".utf8.count <= 512 {
            credentialsSent = true
            return .auth(mechanism: mechanism.rawValue, initialResponse: response)
        }
        return .auth(mechanism: mechanism.rawValue, initialResponse: nil)
    }

    /// The one-step response of PLAIN and XOAUTH2, base64-encoded.
    private var credentialResponse: String? {
        switch (mechanism, credentials) {
        case (.plain, .password(let username, let password)):
            return Self.base64("\0\(username)\0\(password)")
        case (.xoauth2, .oauth2(let username, let token)):
            return Self.base64("user=\(username)\u{1}auth=Bearer \(token)\u{1}\u{1}")
        default:
            return nil
        }
    }

    /// Answers a 334 challenge.
    mutating func answer(_ challenge: SMTPReply) -> Step {
        challengesAnswered += 1
        let decoded = Self.decodeBase64(challenge.lines.first ?? "")
        // PLAIN and XOAUTH2 sent without an initial response: the first 334 asks for it.
        if !credentialsSent, let response = credentialResponse {
            credentialsSent = true
            return .respond(.authResponse(response))
        }
        switch (mechanism, credentials) {
        case (.login, .password(let username, let password)):
            // Servers prompt "Username:" then "Password:"; some send other prompts, so the
            // order decides, not the text.
            switch challengesAnswered {
            case 1: return .respond(.authResponse(Self.base64(username)))
            case 2: return .respond(.authResponse(Self.base64(password)))
            default: return .failed("LOGIN: unexpected third challenge")
            }
        case (.cramMD5, .password(let username, let password)) where challengesAnswered == 1:
            guard let challengeBytes = decoded else { return .failed("CRAM-MD5 challenge is not base64") }
            guard let digest = HMACMD5.hexDigest(key: Array(password.utf8), message: challengeBytes) else {
                return .failed("cannot compute HMAC-MD5")
            }
            return .respond(.authResponse(Self.base64("\(username) \(digest)")))
        case (.xoauth2, _) where serverErrorDetail == nil:
            // Documented by Google and Microsoft: after the token, a 334 carries an error JSON,
            // to which the client sends an empty line and then receives the final 5xx.
            serverErrorDetail = decoded.map { String(decoding: $0, as: UTF8.self) } ?? ""
            return .respond(.authResponse(""))
        default:
            return .failed("\(mechanism.rawValue): unexpected challenge \(challengesAnswered)")
        }
    }

    static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    static func decodeBase64(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)).map { Array($0) }
    }
}
