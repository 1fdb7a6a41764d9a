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
    /// XOAUTH2 failures arrive as a 334 carrying a JSON error; it is kept for the error text.
    private(set) var serverErrorDetail: String?

    init(mechanism: AuthMechanism, credentials: SMTPCredentials) {
        self.mechanism = mechanism
        self.credentials = credentials
    }

    /// The AUTH command, with an initial response where the mechanism allows one (RFC 4954
    /// section 4) to save a round trip.
    func initialCommand() -> SMTPCommand {
        switch (mechanism, credentials) {
        case (.plain, .password(let username, let password)):
            return .auth(mechanism: "PLAIN", initialResponse: Self.base64("\0\(username)\0\(password)"))
        case (.xoauth2, .oauth2(let username, let token)):
            return .auth(mechanism: "XOAUTH2", initialResponse: Self.base64("user=\(username)\u{1}auth=Bearer \(token)\u{1}\u{1}"))
        case (.login, _):
            return .auth(mechanism: "LOGIN", initialResponse: nil)
        case (.cramMD5, _):
            return .auth(mechanism: "CRAM-MD5", initialResponse: nil)
        case (.plain, .oauth2), (.xoauth2, .password):
            // `AuthMechanism.choose` never pairs these; answer with a cancel if it ever happens.
            return .auth(mechanism: mechanism.rawValue, initialResponse: nil)
        }
    }

    /// Answers a 334 challenge.
    mutating func answer(_ challenge: SMTPReply) -> Step {
        challengesAnswered += 1
        let decoded = Self.decodeBase64(challenge.lines.first ?? "")
        switch (mechanism, credentials) {
        case (.plain, .password(let username, let password)) where challengesAnswered == 1:
            return .respond(.authResponse(Self.base64("\0\(username)\0\(password)")))
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
        case (.xoauth2, _):
            // RFC-less but documented by Google and Microsoft: an error JSON in a 334, to which
            // the client sends an empty line and then receives the final 5xx.
            serverErrorDetail = decoded.map { String(decoding: $0, as: UTF8.self) }
            return .respond(.authResponse(""))
        default:
            return .failed("\(mechanism.rawValue): unexpected challenge")
        }
    }

    static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    static func decodeBase64(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)).map { Array($0) }
    }
}
