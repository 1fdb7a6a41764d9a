import Delivery
import Foundation
import SMTP

/// What `mailctl verify` found, printed as text for people or JSON for scripts.
struct VerifyReport: Encodable {
    struct Failure: Encodable {
        var stage: String
        var message: String
        var replyClass: String?
        var rule: String?
        /// The server's reply, when there was one, as fields a script can test without
        /// parsing the message.
        var code: Int?
        var enhancedCode: String?
        var replyText: String?
        var hint: String?

        enum CodingKeys: String, CodingKey {
            case stage, message, rule, code, hint
            case replyClass = "class"
            case enhancedCode = "enhanced_code"
            case replyText = "reply_text"
        }
    }

    var server: String
    var tlsMode: String
    var greeting: String?
    var tlsVersion: String?
    var tlsCipher: String?
    var certificateSubject: String?
    var certificateIssuer: String?
    var certificateExpires: String?
    var certificateVerified: Bool?
    var extensions: [String] = []
    var authentication: String?
    var testMessage: String?
    var failure: Failure?

    mutating func record(session: SessionInfo, usedCredentials: SMTPCredentials?) {
        greeting = session.greeting.map { String(describing: $0) }
        if let tls = session.tls {
            tlsVersion = tls.protocolVersion
            tlsCipher = tls.cipher
            certificateSubject = tls.peerSubject
            certificateIssuer = tls.peerIssuer
            certificateVerified = tls.peerVerified
            if let expiry = tls.peerNotAfter {
                let days = Int(expiry.timeIntervalSinceNow / 86400)
                certificateExpires = "\(ISO8601DateFormatter().string(from: expiry)) (in \(days) days)"
            }
        }
        extensions = session.extensions.keywords
        if let mechanism = session.authenticatedWith, let usedCredentials {
            authentication = "\(mechanism.rawValue) accepted for \(usedCredentials.username)"
        } else if usedCredentials == nil, failure == nil {
            authentication = "not attempted (no credentials given)"
        } else if let usedCredentials {
            authentication = failure?.stage == SMTPStage.auth.rawValue
                ? "did not succeed for \(usedCredentials.username) (below)"
                : "not reached for \(usedCredentials.username): the session failed before AUTH"
        }
    }

    mutating func fail(stage: String, message: String, classification: Classification?, reply: SMTPReply? = nil, hint: String? = nil) {
        failure = Failure(stage: stage, message: message, replyClass: classification?.replyClass.rawValue, rule: classification?.rule,
                          code: reply?.code, enhancedCode: reply?.enhancedCode?.description, replyText: reply?.text, hint: hint)
    }

    func text() -> String {
        var lines = ["Server       \(server) (TLS mode \(tlsMode))"]
        if let greeting { lines.append("Greeting     \(greeting)") }
        if let tlsVersion, let tlsCipher { lines.append("TLS          \(tlsVersion), \(tlsCipher)") }
        if let certificateSubject {
            let verified = certificateVerified == true ? "verified" : "NOT verified (insecure mode)"
            lines.append("Certificate  \(certificateSubject) [\(verified)]")
            if let certificateIssuer { lines.append("  issuer     \(certificateIssuer)") }
            if let certificateExpires { lines.append("  expires    \(certificateExpires)") }
        }
        if !extensions.isEmpty { lines.append("Extensions   \(extensions.joined(separator: ", "))") }
        if let authentication { lines.append("AUTH         \(authentication)") }
        if let testMessage { lines.append("Test message \(testMessage)") }
        if let failure {
            var line = "FAILED at \(failure.stage): \(failure.message)"
            if let replyClass = failure.replyClass { line += "\n  class      \(replyClass)" + (failure.rule.map { " (rule \($0))" } ?? "") }
            lines.append(line)
        } else {
            lines.append("OK: every check passed")
        }
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
