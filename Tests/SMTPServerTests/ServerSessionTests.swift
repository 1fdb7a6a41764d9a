import SMTP
import Testing
import TestSupport
@testable import SMTPServer

/// The session state machine without a socket: framed inputs in, outputs and effects checked.
struct ServerSessionTests {
    final class FakeEnvironment: SessionEnvironment {
        var script: ScriptEngine
        var transactions = 0
        var logged: [CommandLogEntry] = []
        var accepted: [ReceivedMessage] = []
        var storageFails = false

        init(_ rules: [ScriptRule] = []) {
            script = ScriptEngine(script: ServerScript(rules))
        }

        func decide(_ event: ScriptEvent) -> ServerAction? { script.decide(event) }
        func nextTransactionOrdinal() -> Int {
            transactions += 1
            return transactions
        }
        func log(_ entry: CommandLogEntry) { logged.append(entry) }
        func accept(_ message: ReceivedMessage) throws {
            if storageFails { throw TestFailure("disk full") }
            accepted.append(message)
        }
    }

    private func makeSession(_ environment: FakeEnvironment,
                             configuration: SMTPServerConfiguration = SMTPServerConfiguration()) -> ServerSession {
        var session = ServerSession(configuration: configuration, connectionID: 1)
        _ = session.greet(environment: environment)
        return session
    }

    private func send(_ line: String, to session: inout ServerSession, _ environment: FakeEnvironment) -> SMTPReply? {
        let output = session.handle(.line(Array(line.utf8)), environment: environment)
        if case .reply(let reply) = output.action.response { return reply }
        return nil
    }

    @Test func aScriptedRejectionHasNoEffectAndAScriptedAcceptanceOfAnInvalidCommandNeither() {
        let environment = FakeEnvironment([
            ScriptRule(on: .mail, occurrences: .only(1), action: .reply(451, "4.3.0 Try again")),
            ScriptRule(on: .rcpt, recipient: "", action: .reply(250, "2.1.5 Sure")),
        ])
        var session = makeSession(environment)
        _ = send("EHLO c", to: &session, environment)
        #expect(send("MAIL FROM:<a@x>", to: &session, environment)?.code == 451)
        #expect(session.transaction == nil)
        #expect(send("MAIL FROM:<a@x>", to: &session, environment)?.code == 250)
        #expect(session.transaction?.ordinal == 2)
        // The script says 250 to an empty recipient, but it still is not added.
        #expect(send("RCPT TO:<>", to: &session, environment)?.code == 250)
        #expect(session.transaction?.recipients == [])
    }

    @Test func startTLSDiscardsAndTheHandshakeResetsTheSession() throws {
        let configuration = SMTPServerConfiguration(tls: .startTLS(try makeServerTLSContext()))
        let environment = FakeEnvironment()
        var session = makeSession(environment, configuration: configuration)
        _ = send("EHLO c", to: &session, environment)
        _ = send("MAIL FROM:<a@x>", to: &session, environment)
        let output = session.handle(.line(Array("STARTTLS".utf8)), environment: environment)
        #expect(output.startsTLS)
        #expect(session.framingMode == .discarding)
        session.tlsEstablished(TLSSessionInfo(protocolVersion: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256"))
        #expect(session.framingMode == .commands)
        #expect(session.clientName == nil && session.transaction == nil)
        #expect(send("MAIL FROM:<a@x>", to: &session, environment)?.code == 503)
    }

    @Test func storageFailureTurnsTheAcceptanceIntoA451() {
        let environment = FakeEnvironment()
        environment.storageFails = true
        var session = makeSession(environment)
        for line in ["EHLO c", "MAIL FROM:<a@x>", "RCPT TO:<b@y>", "DATA"] { _ = send(line, to: &session, environment) }
        #expect(session.framingMode == .data(limit: 10 * 1024 * 1024))
        let outcome = InputFramer.DataOutcome(bytes: Array("m\r\n".utf8), octets: 3)
        let output = session.handle(.data(outcome), environment: environment)
        guard case .reply(let reply) = output.action.response else {
            Issue.record("no reply")
            return
        }
        #expect(reply.code == 451)
        #expect(environment.accepted.isEmpty)
        #expect(session.transaction == nil)
        #expect(environment.logged.last?.verb == ".")
    }

    @Test func bdatRepliesOnlyAfterItsChunk() {
        var configuration = SMTPServerConfiguration(maximumMessageSize: 4)
        configuration.extensions.chunking = true
        let environment = FakeEnvironment()
        var session = makeSession(environment, configuration: configuration)
        for line in ["EHLO c", "MAIL FROM:<a@x>", "RCPT TO:<b@y>"] { _ = send(line, to: &session, environment) }
        #expect(send("BDAT 6 LAST", to: &session, environment) == nil)
        #expect(session.framingMode == .chunk(size: 6, limit: 4))
        let output = session.handle(.chunk(bytes: Array("abcd".utf8), octets: 6), environment: environment)
        guard case .reply(let reply) = output.action.response else {
            Issue.record("no reply")
            return
        }
        #expect(reply.code == 552)
        #expect(environment.logged.last?.arguments == "6 LAST")
    }
}

/// A server TLS context, needed only for its presence: the handshake never runs.
func makeServerTLSContext() throws -> TLSContext {
    let certificate = try TestCertificates.make()
    return try TLSContext.server(certificateChainFile: certificate.serverCertificate, privateKeyFile: certificate.serverKey)
}
