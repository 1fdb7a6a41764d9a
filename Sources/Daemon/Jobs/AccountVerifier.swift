import Delivery
import Foundation
import IPC
import Logging
import SMTP

/// `mailctl verify ACCOUNT` through the daemon: connects with the account's configured
/// settings and secret (which never leave the daemon) and says what the relay offered, in the
/// same words as `mailctl verify --host`, so an operator can compare the two.
struct AccountVerifier: Sendable {
    let settings: SettingsHolder
    let logger: Logger

    func verify(account name: String) async -> VerifyReply {
        let current = settings.current
        guard let account = current.configuration.accounts[name] else {
            let known = current.configuration.accounts.keys.sorted().joined(separator: ", ")
            return VerifyReply(account: name, ok: false, summary: "account \"\(name)\" is not configured (configured: \(known))")
        }
        let machine = SessionStateMachine.Configuration(
            clientName: account.heloName ?? current.configuration.hostname, host: account.host, port: account.port, tlsMode: account.tlsMode,
            credentials: account.credentials, authMechanism: account.authMechanism,
            allowsAuthenticationWithoutTLS: account.allowsPlaintextAuthentication, timeouts: account.timeouts)
        var lines = ["Account      \(name)", "Server       \(account.host):\(account.port) (TLS mode \(account.tlsMode.rawValue))"]
        do {
            let connection = try await SMTPConnection.connect(configuration: machine, tlsContext: current.tlsContexts[name], logger: logger)
            let session = connection.session
            await connection.quit()
            lines += Self.describe(session)
            if let mechanism = session.authenticatedWith {
                lines.append("AUTH         \(mechanism.rawValue) accepted for \(account.credentials?.username ?? "")")
            } else {
                lines.append("AUTH         not attempted (no credentials configured)")
            }
            lines.append("OK: every check passed")
            logger.info("account verified", metadata: ["account": "\(name)"])
            return VerifyReply(account: name, ok: true, summary: lines.joined(separator: "\n"))
        } catch {
            if let session = error.sessionSoFar { lines += Self.describe(session) }
            lines.append("FAILED at \(error.stage.rawValue): \(error.description)")
            let classification = current.classifier.classify(error)
            lines.append("  class      \(classification.replyClass.rawValue) (rule \(classification.rule))")
            logger.warning("account verification failed", metadata: ["account": "\(name)", "stage": "\(error.stage.rawValue)"])
            return VerifyReply(account: name, ok: false, summary: lines.joined(separator: "\n"))
        }
    }

    private static func describe(_ session: SessionInfo) -> [String] {
        var lines: [String] = []
        if let greeting = session.greeting { lines.append("Greeting     \(greeting)") }
        if let tls = session.tls {
            lines.append("TLS          \(tls.protocolVersion), \(tls.cipher)")
            if let subject = tls.peerSubject {
                lines.append("Certificate  \(subject) [\(tls.peerVerified ? "verified" : "NOT verified (insecure mode)")]")
                if let issuer = tls.peerIssuer { lines.append("  issuer     \(issuer)") }
                if let expiry = tls.peerNotAfter {
                    let days = Int(expiry.timeIntervalSinceNow / 86_400)
                    lines.append("  expires    \(ISO8601DateFormatter().string(from: expiry)) (in \(days) days)")
                }
            }
        } else {
            lines.append("TLS          none")
        }
        let keywords = session.extensions.keywords
        if !keywords.isEmpty { lines.append("Extensions   \(keywords.joined(separator: ", "))") }
        return lines
    }
}
