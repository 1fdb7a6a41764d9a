import ArgumentParser
import Delivery
import Foundation
import IPC
import Logging
import SMTP

/// `mailctl verify`: the first thing an operator runs against a new relay.
///
/// It goes as far as the configuration allows (connect, TLS, EHLO, AUTH, optionally one test
/// message) and says what worked, and at the first failure what failed, its class and a hint.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a relay: connection, TLS, extensions, AUTH, and optionally send a test message.",
        discussion: """
        Two forms. `mailctl verify ACCOUNT` asks the running maild to check one of its configured \
        accounts with the daemon's own settings and secret (admins only; the secret never leaves \
        the daemon). `mailctl verify --host H ...` checks a relay directly, without a daemon. \
        Exit status 0 only when every step worked. Secrets are read from files, never from the \
        command line (which other users can read in the process list).
        """
    )

    @Argument(help: "An account of the running daemon's configuration, checked by maild itself.")
    var account: String?

    @OptionGroup var daemon: DaemonOptions

    @Option(help: "Relay host name or IP address (checked directly, without the daemon).")
    var host: String?

    @Option(help: "Relay port (587 STARTTLS, 465 implicit TLS, 25 relay).")
    var port: Int = 587

    @Option(help: "TLS mode: implicit, starttls or none.")
    var tls: TLSModeArgument = .starttls

    @Option(help: "Username for AUTH.")
    var user: String?

    @Option(name: .customLong("password-file"), help: "File holding the password (- for standard input).")
    var passwordFile: String?

    @Option(name: .customLong("oauth2-token-file"), help: "File holding an OAuth2 access token, for XOAUTH2.")
    var oauth2TokenFile: String?

    @Option(name: .customLong("auth-mechanism"), help: "Force a SASL mechanism: PLAIN, LOGIN, CRAM-MD5 or XOAUTH2.")
    var authMechanism: String?

    @Option(name: .customLong("ca-file"), help: "PEM file of CA certificates to trust besides the system store.")
    var caFile: String?

    @Flag(help: "Do not verify the server certificate (test relays only; logged as a warning).")
    var insecure = false

    @Flag(name: .customLong("allow-plaintext-auth"), help: "Allow AUTH without TLS (trusted local relays only).")
    var allowPlaintextAuth = false

    @Option(name: .customLong("send-test"), help: "Send a test message to this address.")
    var sendTest: String?

    @Option(help: "Sender of the test message (default: the username, when it is an address).")
    var from: String?

    @Option(help: "Name announced in EHLO (default: this machine's host name).")
    var helo: String?

    @Option(help: "Longest wait for any step, e.g. 30s or 2m.")
    var timeout: String = "30s"

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    mutating func validate() throws {
        if account != nil, host != nil {
            throw ValidationError("give either an ACCOUNT (checked by the daemon) or --host (checked directly), not both")
        }
        if !(1...65535).contains(port) {
            throw ValidationError("--port \(port): a TCP port is 1 to 65535")
        }
        if let limit = Duration(operatorInput: timeout), limit <= .zero {
            throw ValidationError("--timeout \(timeout): give a wait above zero, e.g. 30s")
        }
        if account == nil, host == nil {
            throw ValidationError("give an ACCOUNT of the daemon's configuration, or --host to check a relay directly")
        }
        if account != nil, sendTest != nil || user != nil || passwordFile != nil || oauth2TokenFile != nil || caFile != nil {
            throw ValidationError("with an ACCOUNT the daemon uses its configured settings; --send-test, --user, --password-file, --oauth2-token-file and --ca-file apply to --host only")
        }
    }

    mutating func run() async throws {
        if let account {
            try await verifyThroughDaemon(account: account)
            return
        }
        guard let host else { return }
        guard let limit = Duration(operatorInput: timeout) else {
            throw ValidationError("--timeout: \(String(reflecting: timeout)) is not a duration (examples: 30s, 2m)")
        }
        let credentials = try readCredentials()
        let forcedMechanism = try authMechanism.map { name -> AuthMechanism in
            guard let mechanism = AuthMechanism(operatorInput: name) else {
                throw ValidationError("--auth-mechanism: \(name) is not one of PLAIN, LOGIN, CRAM-MD5, XOAUTH2")
            }
            return mechanism
        }
        let sender = from ?? (user?.contains("@") == true ? user : nil) ?? "verify@\(Self.localHostName)"

        var report = VerifyReport(server: "\(host):\(port)", tlsMode: tls.mode.rawValue)
        let tlsContext: TLSContext?
        do {
            tlsContext = tls.mode == .none ? nil : try TLSContext.client(caFile: caFile, verifiesPeer: !insecure)
        } catch {
            report.fail(stage: "tls", message: error.description, classification: nil)
            finish(report)
        }
        var logger = Logger(label: "mailctl.verify")
        logger.logLevel = .warning
        let configuration = SessionStateMachine.Configuration(
            clientName: helo ?? Self.localHostName, host: host, port: port, tlsMode: tls.mode, credentials: credentials,
            authMechanism: forcedMechanism, allowsAuthenticationWithoutTLS: allowPlaintextAuth,
            timeouts: SMTPTimeouts().capped(at: limit))
        let classifier = ReplyClassifier.standard

        let connection: SMTPConnection
        do {
            connection = try await SMTPConnection.connect(configuration: configuration, tlsContext: tlsContext, logger: logger)
        } catch {
            report.fail(stage: error.stage.rawValue, message: error.description, classification: classifier.classify(error),
                        reply: error.reply, hint: error.hint)
            if let session = error.sessionSoFar { report.record(session: session, usedCredentials: credentials) }
            finish(report)
        }
        report.record(session: connection.session, usedCredentials: credentials)

        if let recipient = sendTest {
            let message = TestMessage(from: sender, to: recipient, relay: "\(host):\(port)").rendered()
            do {
                let result = try await connection.send(OutgoingMessage(sender: sender, recipients: [recipient], data: message))
                if let outcome = result.recipients.first {
                    if outcome.accepted {
                        report.testMessage = "sent to \(recipient): \(outcome.reply)"
                    } else {
                        report.fail(stage: outcome.stage.rawValue, message: "test message to \(recipient) refused at \(outcome.stage): \(outcome.reply)",
                                    classification: classifier.classify(reply: outcome.reply, stage: outcome.stage), reply: outcome.reply)
                    }
                }
            } catch {
                report.fail(stage: error.stage.rawValue, message: error.description, classification: classifier.classify(error),
                        reply: error.reply, hint: error.hint)
            }
        }
        await connection.quit()
        if report.failure == nil, let failure = await connection.failure {
            report.fail(stage: failure.stage.rawValue, message: failure.description, classification: classifier.classify(failure),
                        reply: failure.reply, hint: failure.hint)
        }
        finish(report)
    }

    private func verifyThroughDaemon(account: String) async throws {
        let reply = try await daemon.withDaemon { client -> VerifyReply in
            let response = try await client.call(.verify(VerifyAccount(account: account)))
            guard case .verified(let reply) = response else { throw IPCError.unexpectedResponse(expected: "verified", received: response.type) }
            return reply
        }
        writeOut(json ? encodeJSONLine(reply) : reply.summary + "\n")
        if !reply.ok { throw ExitCode(1) }
    }

    private func finish(_ report: VerifyReport) -> Never {
        print(json ? report.json() : report.text())
        Foundation.exit(report.failure == nil ? 0 : 1)
    }

    private func readCredentials() throws -> SMTPCredentials? {
        if passwordFile != nil, oauth2TokenFile != nil {
            throw ValidationError("--password-file and --oauth2-token-file exclude each other")
        }
        guard let secretFile = passwordFile ?? oauth2TokenFile else {
            if user != nil { throw ValidationError("--user needs --password-file or --oauth2-token-file") }
            return nil
        }
        guard let user else { throw ValidationError("--password-file and --oauth2-token-file need --user") }
        let secret = try SecretFile.read(secretFile, option: passwordFile != nil ? "--password-file" : "--oauth2-token-file")
        return passwordFile != nil ? .password(username: user, password: secret) : .oauth2(username: user, accessToken: secret)
    }

    static var localHostName: String {
        let name = ProcessInfo.processInfo.hostName
        return name.isEmpty || name == "localhost" ? "localhost.localdomain" : name
    }
}

/// The TLS mode as an argument value.
enum TLSModeArgument: String, ExpressibleByArgument, CaseIterable {
    case implicit, starttls, none

    var mode: TLSMode {
        switch self {
        case .implicit: return .implicit
        case .starttls: return .startTLS
        case .none: return .none
        }
    }
}
