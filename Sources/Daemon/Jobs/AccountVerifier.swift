import IPC
import Logging
import SMTP

/// `mailctl verify ACCOUNT` through the daemon: connects with the account's configured
/// settings and secret (which never leave the daemon) and says what the relay offered.
struct AccountVerifier: Sendable {
    let settings: SettingsHolder
    let logger: Logger

    func verify(account name: String) async -> VerifyReply {
        let current = settings.current
        guard let account = current.configuration.accounts[name] else {
            return VerifyReply(account: name, ok: false, summary: "account \"\(name)\" is not configured")
        }
        let machine = SessionStateMachine.Configuration(
            clientName: account.heloName ?? current.configuration.hostname, host: account.host, port: account.port, tlsMode: account.tlsMode,
            credentials: account.credentials, authMechanism: account.authMechanism,
            allowsAuthenticationWithoutTLS: account.allowsPlaintextAuthentication, timeouts: account.timeouts)
        do {
            let connection = try await SMTPConnection.connect(configuration: machine, tlsContext: current.tlsContexts[name], logger: logger)
            let session = connection.session
            await connection.quit()
            var lines = ["connected to \(session.server)"]
            if let tls = session.tls { lines.append("TLS: \(tls)") } else { lines.append("TLS: none") }
            if let mechanism = session.authenticatedWith {
                lines.append("authenticated with \(mechanism.rawValue.uppercased()) as \(account.credentials?.username ?? "")")
            } else {
                lines.append("no authentication configured")
            }
            return VerifyReply(account: name, ok: true, summary: lines.joined(separator: "\n"))
        } catch {
            return VerifyReply(account: name, ok: false, summary: "\(error)")
        }
    }
}
