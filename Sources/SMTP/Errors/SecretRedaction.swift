import Foundation

/// Keeps the client's own credentials out of what a failed session reports.
///
/// Servers quote what they were sent in their refusals more often than one would hope
/// (`535 5.7.8 bad credentials AHVzZXIAc2VjcmV0`, `500 unrecognised command AUTH PLAIN ...`), and
/// a session error's text goes to the log, the database and the terminal. Every form the client
/// put on the wire is searched for: the secret itself, its base64 (LOGIN), and the base64 of
/// the PLAIN and XOAUTH2 blobs, without the `=` padding a server may drop.
struct SecretRedaction: Sendable {
    static let placeholder = "[redacted]"
    /// Longest first, so that a blob is replaced whole before the secret inside it is.
    private let needles: [String]

    init(credentials: SMTPCredentials?) {
        var forms: [String] = []
        switch credentials {
        case .password(let username, let password):
            forms = [password, Self.base64(password), Self.base64("\0\(username)\0\(password)")]
        case .oauth2(let username, let token):
            forms = [token, Self.base64(token), Self.base64("user=\(username)\u{1}auth=Bearer \(token)\u{1}\u{1}")]
        case nil:
            break
        }
        needles = Set(forms.map { Self.unpadded($0) }.filter { !$0.isEmpty }).sorted { $0.count > $1.count }
    }

    var isEmpty: Bool { needles.isEmpty }

    func apply(_ text: String) -> String {
        var result = text
        for needle in needles where result.contains(needle) {
            result = needle.count >= Self.anywhereLength
                ? result.replacingOccurrences(of: needle, with: Self.placeholder)
                : Self.replacingWholeTokens(needle, in: result)
        }
        return result
    }

    /// Needles this long are replaced wherever they appear. Shorter ones (a weak password,
    /// its base64) only where they stand alone: replaced inside ordinary words, `mail` would
    /// turn "mailbox" into "[redacted]box", and the pattern of the replacements in known text
    /// would spell out the secret.
    static let anywhereLength = 8

    private static func replacingWholeTokens(_ needle: String, in text: String) -> String {
        var result = ""
        var rest = text[...]
        while let range = rest.range(of: needle) {
            let before = range.lowerBound == rest.startIndex ? result.last : rest[rest.index(before: range.lowerBound)]
            // base64 padding after the match belongs to it.
            let end = rest[range.upperBound...].firstIndex { $0 != "=" } ?? rest.endIndex
            let after = end == rest.endIndex ? nil : rest[end]
            let standsAlone = !(before.map(isWordCharacter) ?? false) && !(after.map(isWordCharacter) ?? false)
            result += rest[..<range.lowerBound]
            result += standsAlone ? placeholder : String(rest[range])
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    /// Letters and digits: what would make the match part of a longer word. Punctuation
    /// around it (`pass=hunter2`, `user/hunter2`, base64 padding) does not.
    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber
    }

    func apply(_ reply: SMTPReply) -> SMTPReply {
        SMTPReply(code: reply.code, enhancedCode: reply.enhancedCode, lines: reply.lines.map(apply))
    }

    func apply(_ error: SMTPError) -> SMTPError {
        guard !isEmpty else { return error }
        var redacted = error
        redacted.reply = error.reply.map(apply)
        redacted.hint = error.hint.map(apply)
        switch error.kind {
        case .malformedReply(let detail): redacted.kind = .malformedReply(detail: apply(detail))
        case .connectionFailed(let detail): redacted.kind = .connectionFailed(detail: apply(detail))
        case .invalidCommand(let detail): redacted.kind = .invalidCommand(detail: apply(detail))
        default: break
        }
        return redacted
    }

    private static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    private static func unpadded(_ text: String) -> String {
        String(text.reversed().drop(while: { $0 == "=" }).reversed())
    }
}
