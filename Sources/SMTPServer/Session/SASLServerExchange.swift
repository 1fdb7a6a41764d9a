import Foundation
import SMTP

/// The server side of one AUTH exchange (RFC 4954): decodes what the client sends, issues the
/// challenges, and checks the credentials. Sans-I/O; the session turns steps into replies.
struct SASLServerExchange {
    enum Step: Equatable {
        /// A 334 with this base64 text.
        case challenge(String)
        case succeeded(username: String)
        case failed(Failure)
    }

    enum Failure: Equatable {
        case invalidCredentials
        case malformed
        case cancelled
    }

    private enum State {
        case plainAwaitingResponse
        case loginAwaitingUsername
        case loginAwaitingPassword(username: String)
        case cramAwaitingResponse(challenge: String)
        case xoauth2AwaitingResponse
        /// Gmail's shape: after the JSON error in a 334, the client sends an empty line and
        /// only then gets the 535.
        case xoauth2AwaitingErrorAcknowledgement
        case finished
    }

    /// Google's error document for a refused token, base64-encoded in the 334.
    static let xoauth2ErrorJSON = #"{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}"#

    let mechanism: AuthMechanism
    private let credentials: ServerAuthentication
    private var state: State

    private init(mechanism: AuthMechanism, credentials: ServerAuthentication, state: State) {
        self.mechanism = mechanism
        self.credentials = credentials
        self.state = state
    }

    /// Starts an exchange from the AUTH command. The exchange is returned only while it waits
    /// for another line from the client.
    static func start(mechanism: AuthMechanism, initialResponse: String?, credentials: ServerAuthentication,
                      hostname: String) -> (exchange: SASLServerExchange?, step: Step) {
        var exchange: SASLServerExchange
        switch mechanism {
        case .plain:
            exchange = SASLServerExchange(mechanism: mechanism, credentials: credentials, state: .plainAwaitingResponse)
        case .login:
            exchange = SASLServerExchange(mechanism: mechanism, credentials: credentials, state: .loginAwaitingUsername)
            if initialResponse == nil { return (exchange, .challenge(base64("Username:"))) }
        case .cramMD5:
            // CRAM-MD5 has no initial response (RFC 2195): the server must speak first.
            guard initialResponse == nil else { return (nil, .failed(.malformed)) }
            let challenge = CRAMMD5Verifier.makeChallenge(hostname: hostname)
            exchange = SASLServerExchange(mechanism: mechanism, credentials: credentials, state: .cramAwaitingResponse(challenge: challenge))
            return (exchange, .challenge(base64(challenge)))
        case .xoauth2:
            exchange = SASLServerExchange(mechanism: mechanism, credentials: credentials, state: .xoauth2AwaitingResponse)
        }
        guard let initialResponse else {
            // PLAIN and XOAUTH2 without an initial response: an empty challenge asks for it.
            return (exchange, .challenge(""))
        }
        // RFC 4954 section 4: "=" is an empty initial response.
        let step = exchange.respond(initialResponse == "=" ? "" : initialResponse)
        return (exchange.isWaiting ? exchange : nil, step)
    }

    var isWaiting: Bool {
        if case .finished = state { return false }
        return true
    }

    /// The username the client claims, readable without checking anything; only for
    /// recording who a scripted AUTH success was for.
    static func claimedUsername(mechanism: AuthMechanism, initialResponse: String?) -> String? {
        guard let initialResponse, let decoded = decode(initialResponse) else { return nil }
        switch mechanism {
        case .plain:
            let parts = decoded.split(separator: 0, omittingEmptySubsequences: false)
            return parts.count == 3 ? String(decoding: parts[1], as: UTF8.self) : nil
        case .xoauth2:
            return parseXOAUTH2(decoded)?.username
        case .login:
            return String(decoding: decoded, as: UTF8.self)
        case .cramMD5:
            return nil
        }
    }

    /// Handles one line answering a challenge.
    mutating func respond(_ line: String) -> Step {
        if line.trimmingCharacters(in: .whitespaces) == "*" {
            state = .finished
            return .failed(.cancelled)
        }
        switch state {
        case .xoauth2AwaitingErrorAcknowledgement:
            state = .finished
            return .failed(.invalidCredentials)
        case .finished:
            return .failed(.malformed)
        default:
            break
        }
        guard let decoded = Self.decode(line) else {
            state = .finished
            return .failed(.malformed)
        }
        switch state {
        case .plainAwaitingResponse:
            state = .finished
            // authzid NUL authcid NUL password; acting for someone else is not supported.
            let parts = decoded.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard parts.count == 3, !parts[1].isEmpty else { return .failed(.malformed) }
            guard parts[0].isEmpty || parts[0] == parts[1] else { return .failed(.invalidCredentials) }
            return checkPassword(username: parts[1], password: parts[2])
        case .loginAwaitingUsername:
            state = .loginAwaitingPassword(username: String(decoding: decoded, as: UTF8.self))
            return .challenge(Self.base64("Password:"))
        case .loginAwaitingPassword(let username):
            state = .finished
            return checkPassword(username: username, password: String(decoding: decoded, as: UTF8.self))
        case .cramAwaitingResponse(let challenge):
            state = .finished
            let text = String(decoding: decoded, as: UTF8.self)
            guard let space = text.lastIndex(of: " ") else { return .failed(.malformed) }
            let username = String(text[..<space])
            let digest = String(text[text.index(after: space)...])
            guard let password = credentials.passwords[username],
                  CRAMMD5Verifier.verify(challenge: challenge, digest: digest, password: password) else {
                return .failed(.invalidCredentials)
            }
            return .succeeded(username: username)
        case .xoauth2AwaitingResponse:
            guard let (username, token) = Self.parseXOAUTH2(decoded) else {
                state = .finished
                return .failed(.malformed)
            }
            if let expected = credentials.tokens[username], expected == token {
                state = .finished
                return .succeeded(username: username)
            }
            state = .xoauth2AwaitingErrorAcknowledgement
            return .challenge(Self.base64(Self.xoauth2ErrorJSON))
        case .xoauth2AwaitingErrorAcknowledgement, .finished:
            return .failed(.malformed)
        }
    }

    private func checkPassword(username: String, password: String) -> Step {
        guard let expected = credentials.passwords[username], expected == password else { return .failed(.invalidCredentials) }
        return .succeeded(username: username)
    }

    /// `user=NAME ^A auth=Bearer TOKEN ^A ^A`.
    private static func parseXOAUTH2(_ decoded: [UInt8]) -> (username: String, token: String)? {
        let fields = decoded.split(separator: 1).map { String(decoding: $0, as: UTF8.self) }
        guard let user = fields.first(where: { $0.hasPrefix("user=") }),
              let auth = fields.first(where: { $0.lowercased().hasPrefix("auth=bearer ") }) else { return nil }
        return (String(user.dropFirst("user=".count)), String(auth.dropFirst("auth=bearer ".count)))
    }

    static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    static func decode(_ text: String) -> [UInt8]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return [] }
        return Data(base64Encoded: trimmed).map { Array($0) }
    }
}
