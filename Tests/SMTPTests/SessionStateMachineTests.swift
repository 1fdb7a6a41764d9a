import Foundation
import Testing
@testable import SMTP

/// The whole client protocol, driven without a socket: events in, actions out.
struct SessionStateMachineTests {
    static func configuration(tls: TLSMode = .none, credentials: SMTPCredentials? = nil, allowPlainAuth: Bool = false,
                              pipelining: Bool = true, host: String = "mx.example.com", port: Int = 25) -> SessionStateMachine.Configuration {
        SessionStateMachine.Configuration(clientName: "client.example.com", host: host, port: port, tlsMode: tls, credentials: credentials,
                                          allowsAuthenticationWithoutTLS: allowPlainAuth, usesPipelining: pipelining)
    }

    static func reply(_ line: String) -> SMTPReply {
        guard let reply = SMTPReply(singleLine: line) else { fatalError("bad test reply \(line)") }
        return reply
    }

    static func ehlo(_ keywords: String...) -> SMTPReply {
        SMTPReply(code: 250, lines: ["mx.example.com"] + keywords)
    }

    static func written(_ action: SessionStateMachine.Action) -> String? {
        if case .write(let bytes) = action { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    static func failure(_ action: SessionStateMachine.Action) -> SMTPError? {
        if case .failSession(let error) = action { return error }
        return nil
    }

    /// A machine that went through greeting and EHLO with these keywords.
    static func readyMachine(_ keywords: String..., pipelining: Bool = true) -> SessionStateMachine {
        var machine = SessionStateMachine(configuration: configuration(pipelining: pipelining))
        _ = machine.connected()
        _ = machine.replyReceived(reply("220 mx.example.com ESMTP"))
        let action = machine.replyReceived(SMTPReply(code: 250, lines: ["mx.example.com"] + keywords))
        precondition(action == .sessionReady)
        return machine
    }

    static let message = OutgoingMessage(sender: "news@example.com", recipients: ["a@example.org", "b@example.org", "c@example.org"],
                                         data: Array("Subject: hi\r\n\r\n.hello\r\n".utf8))

    // MARK: - Greeting, EHLO, HELO

    @Test func greetingThenEHLOThenReady() {
        var machine = SessionStateMachine(configuration: Self.configuration())
        #expect(machine.connected() == .none)
        #expect(machine.currentStage == .greeting)
        #expect(machine.replyTimeout == .seconds(300))
        #expect(Self.written(machine.replyReceived(Self.reply("220 mx ESMTP"))) == "EHLO client.example.com\r\n")
        #expect(machine.currentStage == .ehlo)
        #expect(machine.replyReceived(Self.ehlo("PIPELINING", "SIZE 1000")) == .sessionReady)
        #expect(machine.isReady)
        #expect(machine.extensions.pipelining)
        #expect(machine.replyTimeout == nil)
    }

    @Test func fallsBackToHELOWhenEHLOIsUnknown() {
        var machine = SessionStateMachine(configuration: Self.configuration())
        _ = machine.connected()
        _ = machine.replyReceived(Self.reply("220 old.example.com SMTP"))
        #expect(Self.written(machine.replyReceived(Self.reply("502 5.5.1 Command not implemented"))) == "HELO client.example.com\r\n")
        #expect(machine.replyReceived(Self.reply("250 old.example.com")) == .sessionReady)
        #expect(machine.extensions == .none)
    }

    @Test(arguments: ["554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
                      "421 4.7.0 example.com Service not available, too many connections from your IP"])
    func refusedGreetingFailsAtGreeting(line: String) throws {
        var machine = SessionStateMachine(configuration: Self.configuration())
        _ = machine.connected()
        let error = try #require(Self.failure(machine.replyReceived(Self.reply(line))))
        #expect(error.kind == .unexpectedReply)
        #expect(error.stage == .greeting)
        #expect(error.reply == Self.reply(line))
        #expect(error.server == "mx.example.com:25")
    }

    // MARK: - TLS

    @Test func implicitTLSHandshakesBeforeTheGreeting() {
        var machine = SessionStateMachine(configuration: Self.configuration(tls: .implicit, port: 465))
        #expect(machine.connected() == .startTLSHandshake)
        #expect(machine.currentStage == .tlsHandshake)
        #expect(machine.tlsEstablished() == .none)
        #expect(machine.isTLSActive)
        #expect(Self.written(machine.replyReceived(Self.reply("220 mx ESMTP"))) != nil)
    }

    @Test func startTLSThenEHLOAgainForgettingTheFirstAnswer() {
        var machine = SessionStateMachine(configuration: Self.configuration(tls: .startTLS, port: 587))
        _ = machine.connected()
        _ = machine.replyReceived(Self.reply("220 mx ESMTP"))
        #expect(Self.written(machine.replyReceived(Self.ehlo("STARTTLS", "AUTH PLAIN"))) == "STARTTLS\r\n")
        #expect(machine.replyReceived(Self.reply("220 2.0.0 Ready to start TLS")) == .startTLSHandshake)
        #expect(machine.extensions.authMechanisms.isEmpty)
        #expect(Self.written(machine.tlsEstablished()) == "EHLO client.example.com\r\n")
        #expect(machine.replyReceived(Self.ehlo("PIPELINING")) == .sessionReady)
        #expect(machine.isTLSActive)
        #expect(!machine.extensions.startTLS)
    }

    @Test func strippedSTARTTLSIsRefusedNotDowngraded() throws {
        var machine = SessionStateMachine(configuration: Self.configuration(tls: .startTLS, credentials: .password(username: "u", password: "p"), port: 587))
        _ = machine.connected()
        _ = machine.replyReceived(Self.reply("220 mx ESMTP"))
        let error = try #require(Self.failure(machine.replyReceived(Self.ehlo("AUTH PLAIN", "XXXXXXXA"))))
        #expect(error.kind == .startTLSNotOffered)
        #expect(error.stage == .startTLS)
        #expect(error.hint != nil)
    }

    @Test func plaintextPipelinedAfterSTARTTLSReplyIsRefused() throws {
        var machine = SessionStateMachine(configuration: Self.configuration(tls: .startTLS, port: 587))
        _ = machine.connected()
        _ = machine.replyReceived(Self.reply("220 mx ESMTP"))
        _ = machine.replyReceived(Self.ehlo("STARTTLS"))
        let error = try #require(Self.failure(machine.replyReceived(Self.reply("220 2.0.0 Ready"), moreBytesBuffered: true)))
        #expect(error.kind == .plaintextAfterStartTLS)
    }

    @Test func refusedSTARTTLSFails() throws {
        var machine = SessionStateMachine(configuration: Self.configuration(tls: .startTLS, port: 587))
        _ = machine.connected()
        _ = machine.replyReceived(Self.reply("220 mx ESMTP"))
        _ = machine.replyReceived(Self.ehlo("STARTTLS"))
        let error = try #require(Self.failure(machine.replyReceived(Self.reply("454 4.7.0 TLS not available due to local problem"))))
        #expect(error.stage == .startTLS)
        #expect(error.reply?.code == 454)
    }

    @Test func certificateFailureCarriesItsHint() throws {
        var machine = SessionStateMachine(configuration: Self.configuration(tls: .implicit, port: 465))
        _ = machine.connected()
        let error = try #require(Self.failure(machine.tlsFailed(detail: "certificate verification failed: Hostname mismatch", certificateProblem: true)))
        #expect(error.kind == .certificateInvalid(detail: "certificate verification failed: Hostname mismatch"))
        #expect(error.hint?.contains("another host") == true)
    }

    @Test func implicitTLSToAPlaintextPortHintsAtSTARTTLS() throws {
        var machine = SessionStateMachine(configuration: Self.configuration(tls: .implicit, port: 587))
        _ = machine.connected()
        let error = try #require(Self.failure(machine.tlsFailed(detail: "wrong version number", certificateProblem: false)))
        #expect(error.hint?.contains("starttls") == true)
    }

    @Test func silentPort465HintsAtImplicitTLS() throws {
        var machine = SessionStateMachine(configuration: Self.configuration(tls: .startTLS, port: 465))
        _ = machine.connected()
        let error = try #require(Self.failure(machine.timeoutFired()))
        #expect(error.stage == .greeting)
        #expect(error.hint?.contains("implicit") == true)
        #expect(error.description.contains("port 465"))
    }

    // MARK: - AUTH

    private func authenticatingMachine(_ credentials: SMTPCredentials, offered: String) -> (SessionStateMachine, SessionStateMachine.Action) {
        var machine = SessionStateMachine(configuration: Self.configuration(tls: .implicit, credentials: credentials, port: 465))
        _ = machine.connected()
        _ = machine.tlsEstablished()
        _ = machine.replyReceived(Self.reply("220 mx ESMTP"))
        let action = machine.replyReceived(Self.ehlo("AUTH \(offered)"))
        return (machine, action)
    }

    @Test func authPlainWithInitialResponse() {
        var (machine, action) = authenticatingMachine(.password(username: "alice", password: "secret"), offered: "LOGIN PLAIN")
        let expected = "AUTH PLAIN " + Data("\0alice\0secret".utf8).base64EncodedString() + "\r\n"
        #expect(Self.written(action) == expected)
        #expect(machine.replyReceived(Self.reply("235 2.7.0 Accepted")) == .sessionReady)
        #expect(machine.authenticatedWith == .plain)
    }

    @Test func authLoginAnswersBothPrompts() {
        var (machine, action) = authenticatingMachine(.password(username: "alice", password: "secret"), offered: "LOGIN")
        #expect(Self.written(action) == "AUTH LOGIN\r\n")
        #expect(Self.written(machine.replyReceived(Self.reply("334 VXNlcm5hbWU6"))) == "YWxpY2U=\r\n")
        #expect(Self.written(machine.replyReceived(Self.reply("334 UGFzc3dvcmQ6"))) == "c2VjcmV0\r\n")
        #expect(machine.replyReceived(Self.reply("235 2.7.0 Authentication successful")) == .sessionReady)
    }

    @Test func authCRAMMD5AnswersTheChallenge() throws {
        var machine = SessionStateMachine(configuration: Self.configuration(credentials: .password(username: "tim", password: "tanstaaftanstaaf"), allowPlainAuth: true))
        _ = machine.connected()
        _ = machine.replyReceived(Self.reply("220 mx ESMTP"))
        #expect(Self.written(machine.replyReceived(Self.ehlo("AUTH PLAIN CRAM-MD5"))) == "AUTH CRAM-MD5\r\n")
        let challenge = Data("<1896.697170952@postoffice.reston.mci.net>".utf8).base64EncodedString()
        let response = try #require(Self.written(machine.replyReceived(SMTPReply(code: 334, lines: [challenge]))))
        // RFC 2195 section 2's worked example.
        #expect(response == Data("tim b913a602c7eda7a495b4e6e7334d3890".utf8).base64EncodedString() + "\r\n")
    }

    @Test func xoauth2FailureCarriesTheServerDetail() throws {
        var (machine, action) = authenticatingMachine(.oauth2(username: "alice@gmail.com", accessToken: "ya29.expired"), offered: "XOAUTH2 PLAIN")
        #expect(Self.written(action)?.hasPrefix("AUTH XOAUTH2 ") == true)
        let detail = Data(#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#.utf8).base64EncodedString()
        #expect(Self.written(machine.replyReceived(SMTPReply(code: 334, lines: [detail]))) == "\r\n")
        let error = try #require(Self.failure(machine.replyReceived(Self.reply("535 5.7.8 Username and Password not accepted"))))
        #expect(error.kind == .authenticationFailed(mechanism: "XOAUTH2"))
        #expect(error.hint?.contains("401") == true)
        #expect(!error.description.contains("ya29"))
    }

    @Test func gmailAuthFailureHintsAtAppPassword() throws {
        var machine = SessionStateMachine(configuration: Self.configuration(tls: .startTLS, credentials: .password(username: "a@gmail.com", password: "pw"), host: "smtp.gmail.com", port: 587))
        _ = machine.connected()
        _ = machine.replyReceived(Self.reply("220 smtp.gmail.com ESMTP"))
        _ = machine.replyReceived(Self.ehlo("STARTTLS"))
        _ = machine.replyReceived(Self.reply("220 2.0.0 Ready to start TLS"))
        _ = machine.tlsEstablished()
        _ = machine.replyReceived(Self.ehlo("AUTH LOGIN PLAIN XOAUTH2"))
        let error = try #require(Self.failure(machine.replyReceived(Self.reply("534 5.7.9 Application-specific password required."))))
        #expect(error.stage == .auth)
        #expect(error.enhancedCode == EnhancedStatusCode("5.7.9"))
        #expect(error.hint?.contains("app password") == true)
        #expect(!error.description.contains("pw"))
    }

    @Test func refusesAuthOverPlaintextUnlessAllowed() throws {
        var machine = SessionStateMachine(configuration: Self.configuration(credentials: .password(username: "u", password: "p")))
        _ = machine.connected()
        _ = machine.replyReceived(Self.reply("220 mx ESMTP"))
        let error = try #require(Self.failure(machine.replyReceived(Self.ehlo("AUTH PLAIN"))))
        #expect(error.kind == .authenticationRequiresTLS)
    }

    @Test func authNotOfferedIsAnError() throws {
        let (_, action) = authenticatingMachine(.password(username: "u", password: "p"), offered: "")
        // "AUTH " with no mechanisms parses as an AUTH keyword with an empty list.
        let error = try #require(Self.failure(action))
        #expect(error.kind == .authenticationNotOffered)
    }

    // MARK: - Transactions

    @Test func pipelinedTransactionSendsEverythingUpToDATAInOneWrite() throws {
        var machine = Self.readyMachine("PIPELINING", "SIZE 100000")
        let first = try #require(Self.written(machine.send(Self.message)))
        #expect(first == "MAIL FROM:<news@example.com> SIZE=\(Self.message.data.count)\r\nRCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n")
        #expect(machine.currentStage == .mail)
        #expect(machine.replyReceived(Self.reply("250 2.1.0 OK")) == .none)
        #expect(machine.currentStage == .rcpt)
        #expect(machine.replyReceived(Self.reply("250 2.1.5 OK")) == .none)
        #expect(machine.replyReceived(Self.reply("550 5.1.1 <b@example.org>: user unknown")) == .none)
        #expect(machine.replyReceived(Self.reply("250 2.1.5 OK")) == .none)
        #expect(machine.currentStage == .data)
        #expect(machine.replyTimeout == .seconds(120))
        #expect(Self.written(machine.replyReceived(Self.reply("354 go ahead"))) == "Subject: hi\r\n\r\n..hello\r\n.\r\n")
        #expect(machine.currentStage == .dot)
        #expect(machine.replyTimeout == .seconds(600))
        guard case .transactionFinished(let result) = machine.replyReceived(Self.reply("250 2.0.0 Ok: queued as 4ABCD")) else {
            Issue.record("transaction did not finish")
            return
        }
        #expect(result.recipients.map(\.accepted) == [true, false, true])
        #expect(result.recipients[1].stage == .rcpt)
        #expect(result.recipients[1].reply.enhancedCode == EnhancedStatusCode("5.1.1"))
        #expect(result.recipients[0].stage == .dot)
        #expect(result.finalReply?.text == "Ok: queued as 4ABCD")
        #expect(machine.isReady)
        // The transaction ended cleanly: the next one needs no RSET.
        #expect(Self.written(machine.send(Self.message))?.hasPrefix("MAIL FROM") == true)
    }

    @Test func withoutPipeliningEachCommandWaitsForItsReply() {
        var machine = Self.readyMachine("SIZE", pipelining: false)
        #expect(Self.written(machine.send(Self.message)) == "MAIL FROM:<news@example.com> SIZE=\(Self.message.data.count)\r\n")
        #expect(Self.written(machine.replyReceived(Self.reply("250 OK"))) == "RCPT TO:<a@example.org>\r\n")
        #expect(Self.written(machine.replyReceived(Self.reply("250 OK"))) == "RCPT TO:<b@example.org>\r\n")
        #expect(Self.written(machine.replyReceived(Self.reply("250 OK"))) == "RCPT TO:<c@example.org>\r\n")
        #expect(Self.written(machine.replyReceived(Self.reply("250 OK"))) == "DATA\r\n")
        #expect(Self.written(machine.replyReceived(Self.reply("354 go"))) != nil)
        guard case .transactionFinished(let result) = machine.replyReceived(Self.reply("250 queued")) else {
            Issue.record("no result")
            return
        }
        #expect(result.acceptedCount == 3)
    }

    @Test func serverWithoutPipeliningGetsOneCommandAtATime() {
        var machine = Self.readyMachine("SIZE")  // client wants pipelining, server does not offer it
        #expect(Self.written(machine.send(Self.message))?.components(separatedBy: "\r\n").count == 2)
    }

    @Test func refusedSenderStopsTheTransactionAndRefusesEveryRecipient() {
        var machine = Self.readyMachine(pipelining: false)
        _ = machine.send(Self.message)
        guard case .transactionFinished(let result) = machine.replyReceived(Self.reply("553 5.7.1 Sender address rejected: not owned by user")) else {
            Issue.record("no result")
            return
        }
        #expect(result.recipients.allSatisfy { !$0.accepted && $0.stage == .mail && $0.reply.code == 553 })
        // The next transaction starts with RSET.
        #expect(Self.written(machine.send(Self.message)) == "RSET\r\n")
    }

    @Test func everyRecipientRefusedInPipelineEndsDataWithALoneDot() {
        var machine = Self.readyMachine("PIPELINING")
        _ = machine.send(Self.message)
        _ = machine.replyReceived(Self.reply("250 OK"))
        for _ in 0..<3 { _ = machine.replyReceived(Self.reply("550 5.1.1 unknown")) }
        // A server that answers 354 anyway gets an empty message, never the real one.
        #expect(Self.written(machine.replyReceived(Self.reply("354 go ahead"))) == ".\r\n")
        guard case .transactionFinished(let result) = machine.replyReceived(Self.reply("554 5.5.1 Error: no valid recipients")) else {
            Issue.record("no result")
            return
        }
        #expect(result.recipients.allSatisfy { $0.stage == .rcpt && !$0.accepted })
        #expect(result.finalReply == nil)
    }

    @Test func everyRecipientRefusedInPipelineWithDATARefused() {
        var machine = Self.readyMachine("PIPELINING")
        _ = machine.send(Self.message)
        _ = machine.replyReceived(Self.reply("250 OK"))
        for _ in 0..<3 { _ = machine.replyReceived(Self.reply("550 5.1.1 unknown")) }
        guard case .transactionFinished(let result) = machine.replyReceived(Self.reply("554 5.5.1 Error: no valid recipients")) else {
            Issue.record("no result")
            return
        }
        #expect(result.recipients.allSatisfy { $0.stage == .rcpt })
        #expect(Self.written(machine.send(Self.message))?.hasPrefix("RSET\r\nMAIL FROM") == true)
    }

    @Test func refusedDataFailsAcceptedRecipientsAtData() {
        var machine = Self.readyMachine("PIPELINING")
        _ = machine.send(Self.message)
        for _ in 0..<4 { _ = machine.replyReceived(Self.reply("250 OK")) }
        guard case .transactionFinished(let result) = machine.replyReceived(Self.reply("451 4.3.0 try later")) else {
            Issue.record("no result")
            return
        }
        #expect(result.recipients.allSatisfy { $0.stage == .data && $0.reply.code == 451 })
    }

    @Test func messageRefusedAfterTheDotIsRefusedForEveryAcceptedRecipient() {
        var machine = Self.readyMachine("PIPELINING")
        _ = machine.send(Self.message)
        for _ in 0..<4 { _ = machine.replyReceived(Self.reply("250 OK")) }
        _ = machine.replyReceived(Self.reply("354 go"))
        guard case .transactionFinished(let result) = machine.replyReceived(Self.reply("550 5.7.26 unauthenticated sender")) else {
            Issue.record("no result")
            return
        }
        #expect(result.recipients.allSatisfy { !$0.accepted && $0.stage == .dot })
        #expect(machine.isReady)
    }

    @Test func a421InsideThePipelineEndsTheSession() {
        var machine = Self.readyMachine("PIPELINING")
        _ = machine.send(Self.message)
        _ = machine.replyReceived(Self.reply("250 OK"))
        let action = machine.replyReceived(Self.reply("421 4.7.0 Too many messages, closing connection"))
        guard case .transactionFinishedAndClose(let result) = action else {
            Issue.record("expected the session to close, got \(action)")
            return
        }
        #expect(result.sessionClosed)
        #expect(result.recipients.allSatisfy { $0.reply.code == 421 && $0.stage == .rcpt })
        #expect(!machine.isReady)
        #expect(machine.connectionClosed() == .none)
    }

    @Test func a421AfterTheDotIsTheMessageOutcome() {
        var machine = Self.readyMachine("PIPELINING")
        _ = machine.send(Self.message)
        for _ in 0..<4 { _ = machine.replyReceived(Self.reply("250 OK")) }
        _ = machine.replyReceived(Self.reply("354 go"))
        guard case .transactionFinishedAndClose(let result) = machine.replyReceived(Self.reply("421 4.7.0 Try again later, closing connection. (DATA)")) else {
            Issue.record("no result")
            return
        }
        #expect(result.recipients.allSatisfy { $0.stage == .dot && $0.reply.code == 421 })
    }

    @Test func connectionLostMidTransactionFailsTheSessionAtTheAwaitedStage() throws {
        var machine = Self.readyMachine("PIPELINING")
        _ = machine.send(Self.message)
        for _ in 0..<4 { _ = machine.replyReceived(Self.reply("250 OK")) }
        _ = machine.replyReceived(Self.reply("354 go"))
        let error = try #require(Self.failure(machine.connectionClosed()))
        #expect(error.kind == .connectionClosed)
        #expect(error.stage == .dot)
        #expect(Self.failure(machine.send(Self.message)) != nil)
    }

    @Test func timeoutAtTheDotIsReportedWithItsStage() throws {
        var machine = Self.readyMachine("PIPELINING")
        _ = machine.send(Self.message)
        let error = try #require(Self.failure(machine.timeoutFired()))
        #expect(error.stage == .mail)
        #expect(error.kind == .timeout(after: .seconds(300)))
    }

    @Test func tooLargeMessageIsRefusedLocallyAndTheSessionStaysReady() {
        var machine = Self.readyMachine("SIZE 10")
        guard case .refuseMessage(let error) = machine.send(Self.message) else {
            Issue.record("expected a local refusal")
            return
        }
        #expect(error.kind == .messageTooLarge(size: Self.message.data.count, limit: 10))
        #expect(machine.isReady)
    }

    @Test func internationalAddressNeedsSMTPUTF8() {
        let message = OutgoingMessage(sender: "news@example.com", recipients: ["jörg@example.de"], data: Array("x\r\n".utf8))
        var without = Self.readyMachine("8BITMIME")
        guard case .refuseMessage(let error) = without.send(message) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.kind == .smtpUTF8NotSupported)
        var with = Self.readyMachine("SMTPUTF8", "PIPELINING")
        #expect(Self.written(with.send(message))?.hasPrefix("MAIL FROM:<news@example.com> SMTPUTF8\r\n") == true)
    }

    @Test func eightBitBodyIsAnnouncedOrRefused() {
        let message = OutgoingMessage(sender: "a@example.com", recipients: ["b@example.com"], data: Array("Subject: x\r\n\r\nCaf\u{e9}\r\n".utf8))
        var with = Self.readyMachine("8BITMIME")
        #expect(Self.written(with.send(message)) == "MAIL FROM:<a@example.com> BODY=8BITMIME\r\n")
        var without = Self.readyMachine()
        guard case .refuseMessage(let error) = without.send(message) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.kind == .eightBitNotSupported)
    }

    @Test func injectedRecipientIsRefusedBeforeAnythingIsSent() {
        var machine = Self.readyMachine("PIPELINING")
        let message = OutgoingMessage(sender: "a@example.com", recipients: ["b@example.com>\r\nDATA"], data: [])
        guard case .refuseMessage(let error) = machine.send(message) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.stage == .rcpt)
        #expect(machine.isReady)
    }

    @Test func quitWaitsFor221ThenCloses() {
        var machine = Self.readyMachine()
        #expect(Self.written(machine.quit()) == "QUIT\r\n")
        #expect(machine.currentStage == .quit)
        #expect(machine.replyReceived(Self.reply("221 2.0.0 Bye")) == .closeConnection)
    }

    @Test func unsolicited421WhileIdleFailsTheSession() throws {
        var machine = Self.readyMachine()
        let error = try #require(Self.failure(machine.replyReceived(Self.reply("421 4.4.2 idle timeout"))))
        #expect(error.reply?.code == 421)
        #expect(!machine.isReady)
    }
}

/// RFC 2920 section 3.1: the next transaction's commands follow the current message's data.
struct CrossTransactionPipeliningTests {
    typealias T = SessionStateMachineTests

    @Test func nextTransactionIsPipelinedBehindTheData() throws {
        var machine = T.readyMachine("PIPELINING")
        let second = OutgoingMessage(sender: "news@example.com", recipients: ["d@example.org"], data: Array("two\r\n".utf8))
        _ = machine.send(T.message)
        #expect(!machine.canAcceptMessage)
        for _ in 0..<4 { _ = machine.replyReceived(T.reply("250 OK")) }
        _ = machine.replyReceived(T.reply("354 go"))
        #expect(machine.canAcceptMessage)
        #expect(T.written(machine.send(second)) == "MAIL FROM:<news@example.com>\r\nRCPT TO:<d@example.org>\r\nDATA\r\n")
        #expect(!machine.canAcceptMessage)
        guard case .transactionFinished(let first) = machine.replyReceived(T.reply("250 2.0.0 queued as 1")) else {
            Issue.record("first transaction did not finish")
            return
        }
        #expect(first.acceptedCount == 3)
        #expect(machine.currentStage == .mail)
        #expect(machine.replyReceived(T.reply("250 OK")) == .none)
        #expect(machine.replyReceived(T.reply("250 OK")) == .none)
        #expect(T.written(machine.replyReceived(T.reply("354 go"))) == "two\r\n.\r\n")
        guard case .transactionFinished(let result) = machine.replyReceived(T.reply("250 2.0.0 queued as 2")) else {
            Issue.record("second transaction did not finish")
            return
        }
        #expect(result.recipients.map(\.recipient) == ["d@example.org"])
        #expect(result.finalReply?.text == "queued as 2")
        #expect(machine.isReady)
    }

    @Test func noPipeliningBehindDataWithoutTheExtension() {
        var machine = T.readyMachine()
        _ = machine.send(T.message)
        for _ in 0..<4 { _ = machine.replyReceived(T.reply("250 OK")) }
        _ = machine.replyReceived(T.reply("354 go"))
        #expect(!machine.canAcceptMessage)
    }

    @Test func closingReplyToTheFirstDropsTheSecond() {
        var machine = T.readyMachine("PIPELINING")
        _ = machine.send(T.message)
        for _ in 0..<4 { _ = machine.replyReceived(T.reply("250 OK")) }
        _ = machine.replyReceived(T.reply("354 go"))
        _ = machine.send(OutgoingMessage(sender: "a@example.com", recipients: ["b@example.com"], data: []))
        guard case .transactionFinishedAndClose = machine.replyReceived(T.reply("421 4.7.0 closing")) else {
            Issue.record("expected the session to close")
            return
        }
        #expect(!machine.canAcceptMessage)
        #expect(machine.replyReceived(T.reply("250 OK")) == .none)
    }
}

/// Cases found in review: long OAuth2 tokens, parameter injection, sizes, stages.
struct SessionStateMachineReviewTests {
    typealias T = SessionStateMachineTests

    @Test func longXOAUTH2TokenIsSentAfterTheChallengeNotOnTheCommandLine() throws {
        let token = String(repeating: "t", count: 3000)
        var machine = SessionStateMachine(configuration: T.configuration(tls: .implicit, credentials: .oauth2(username: "a@example.com", accessToken: token), port: 465))
        _ = machine.connected()
        _ = machine.tlsEstablished()
        _ = machine.replyReceived(T.reply("220 mx ESMTP"))
        #expect(T.written(machine.replyReceived(T.ehlo("AUTH XOAUTH2"))) == "AUTH XOAUTH2\r\n")
        let response = try #require(T.written(machine.replyReceived(SMTPReply(code: 334, lines: [""]))))
        #expect(response == Data("user=a@example.com\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8).base64EncodedString() + "\r\n")
        #expect(machine.replyReceived(T.reply("235 2.7.0 Accepted")) == .sessionReady)
    }

    @Test func secondXOAUTH2ErrorChallengeIsRefused() throws {
        var machine = SessionStateMachine(configuration: T.configuration(tls: .implicit, credentials: .oauth2(username: "a", accessToken: "t"), port: 465))
        _ = machine.connected()
        _ = machine.tlsEstablished()
        _ = machine.replyReceived(T.reply("220 mx ESMTP"))
        _ = machine.replyReceived(T.ehlo("AUTH XOAUTH2"))
        #expect(T.written(machine.replyReceived(SMTPReply(code: 334, lines: ["eyJzdGF0dXMiOiI0MDAifQ=="]))) == "\r\n")
        #expect(T.failure(machine.replyReceived(SMTPReply(code: 334, lines: ["eyJzdGF0dXMiOiI0MDAifQ=="]))) != nil)
    }

    @Test(arguments: ["a@b> NOTIFY=NEVER", "a@b>", "<a@b", "a b@example.com", "a\t@example.com", "\"unterminated@example.com"])
    func addressesThatWouldInjectParametersAreRefused(address: String) {
        var machine = T.readyMachine("PIPELINING")
        guard case .refuseMessage(let error) = machine.send(OutgoingMessage(sender: "s@example.com", recipients: [address], data: [])) else {
            Issue.record("\(address) was sent")
            return
        }
        #expect(error.stage == .rcpt)
    }

    @Test func quotedLocalPartWithASpaceIsAllowed() {
        var machine = T.readyMachine("PIPELINING")
        let message = OutgoingMessage(sender: "s@example.com", recipients: ["\"john doe\"@example.com"], data: [])
        #expect(T.written(machine.send(message))?.contains("RCPT TO:<\"john doe\"@example.com>") == true)
    }

    @Test func sizeCountsNormalizedLineEndings() {
        var machine = T.readyMachine("SIZE 1000")
        let message = OutgoingMessage(sender: "s@example.com", recipients: ["r@example.com"], data: Array("a\nb\rc".utf8))
        #expect(T.written(machine.send(message)) == "MAIL FROM:<s@example.com> SIZE=9\r\n")
        #expect(MessageDataEncoder.normalizedLength(of: Array("a\nb\rc".utf8)) == MessageDataEncoder.normalizeLineEndings(Array("a\nb\rc".utf8)).count)
        var small = T.readyMachine("SIZE 8")
        guard case .refuseMessage = small.send(message) else {
            Issue.record("9 normalized octets passed a SIZE of 8")
            return
        }
    }

    @Test(arguments: ["", "x", "x\r\n", "\r\n", "a\r\rb\n\n", ".\r\n..\n", "\r", "\n\r"])
    func normalizedLengthMatchesTheNormalizedBytes(text: String) {
        #expect(MessageDataEncoder.normalizedLength(of: Array(text.utf8)) == MessageDataEncoder.normalizeLineEndings(Array(text.utf8)).count)
    }

    @Test func utf8HeaderNeedsSMTPUTF8ButUTF8BodyDoesNot() {
        let header = OutgoingMessage(sender: "a@example.com", recipients: ["b@example.com"], data: Array("Subject: Caf\u{e9}\r\n\r\nbody\r\n".utf8))
        let body = OutgoingMessage(sender: "a@example.com", recipients: ["b@example.com"], data: Array("Subject: x\r\n\r\nCaf\u{e9}\r\n".utf8))
        #expect(header.requiresSMTPUTF8)
        #expect(!body.requiresSMTPUTF8)
    }

    @Test func heloFallbackWorksOnImplicitTLSButNeverAfterSTARTTLS() throws {
        var implicit = SessionStateMachine(configuration: T.configuration(tls: .implicit, port: 465))
        _ = implicit.connected()
        _ = implicit.tlsEstablished()
        _ = implicit.replyReceived(T.reply("220 old ESMTP"))
        #expect(T.written(implicit.replyReceived(T.reply("500 5.5.1 unrecognized command"))) == "HELO client.example.com\r\n")

        var upgraded = SessionStateMachine(configuration: T.configuration(tls: .startTLS, port: 587))
        _ = upgraded.connected()
        _ = upgraded.replyReceived(T.reply("220 mx ESMTP"))
        _ = upgraded.replyReceived(T.ehlo("STARTTLS"))
        _ = upgraded.replyReceived(T.reply("220 go"))
        _ = upgraded.tlsEstablished()
        #expect(T.failure(upgraded.replyReceived(T.reply("500 5.5.1 unrecognized command"))) != nil)
    }

    @Test func quitDuringATransactionReportsTheStageReached() throws {
        var machine = T.readyMachine("PIPELINING")
        _ = machine.send(T.message)
        for _ in 0..<4 { _ = machine.replyReceived(T.reply("250 OK")) }
        _ = machine.replyReceived(T.reply("354 go"))
        let error = try #require(T.failure(machine.quit()))
        #expect(error.stage == .dot)
    }

    @Test func brokenTLSStreamAfterTheHandshakeFailsAtTheAwaitedStage() throws {
        var machine = T.readyMachine("PIPELINING")
        _ = machine.send(T.message)
        for _ in 0..<4 { _ = machine.replyReceived(T.reply("250 OK")) }
        _ = machine.replyReceived(T.reply("354 go"))
        let error = try #require(T.failure(machine.tlsFailed(detail: "bad record mac", certificateProblem: false)))
        #expect(error.stage == .dot)
        #expect(error.kind == .connectionFailed(detail: "TLS: bad record mac"))
    }

    @Test func absurdDurationsAreRefusedNotOverflowed() {
        #expect(Duration(operatorInput: "10000000000") == nil)
        #expect(Duration(operatorInput: "99999999d") == nil)
        #expect(Duration(operatorInput: "3650d") != nil)
    }
}

/// RFC 3030 CHUNKING: BDAT carries the message as is, with no dot-stuffing and no 354.
struct ChunkingTests {
    typealias T = SessionStateMachineTests

    @Test func pipelinedBDATSendsTheWholeTransactionInOneWrite() throws {
        var machine = T.readyMachine("PIPELINING", "CHUNKING", "SIZE 100000")
        let message = OutgoingMessage(sender: "a@example.com", recipients: ["b@example.org", "c@example.org"], data: Array("Subject: x\n\n.dot\n".utf8))
        let written = try #require(T.written(machine.send(message)))
        #expect(written == "MAIL FROM:<a@example.com> SIZE=20\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nBDAT 20 LAST\r\nSubject: x\r\n\r\n.dot\r\n")
        // Everything is on the wire: the next message may follow at once.
        #expect(machine.canAcceptMessage)
        #expect(machine.replyReceived(T.reply("250 OK")) == .none)
        #expect(machine.replyReceived(T.reply("550 5.1.1 unknown")) == .none)
        #expect(machine.replyReceived(T.reply("250 OK")) == .none)
        #expect(machine.currentStage == .dot)
        guard case .transactionFinished(let result) = machine.replyReceived(T.reply("250 2.0.0 queued as 7")) else {
            Issue.record("no result")
            return
        }
        #expect(result.recipients.map(\.accepted) == [false, true])
        #expect(result.recipients[1].stage == .dot)
        #expect(result.finalReply?.text == "queued as 7")
        #expect(machine.isReady)
    }

    @Test func withoutPipeliningBDATWaitsForTheRecipients() {
        var machine = T.readyMachine("CHUNKING")
        let message = OutgoingMessage(sender: "a@example.com", recipients: ["b@example.org"], data: Array("x\r\n".utf8))
        #expect(T.written(machine.send(message)) == "MAIL FROM:<a@example.com>\r\n")
        #expect(T.written(machine.replyReceived(T.reply("250 OK"))) == "RCPT TO:<b@example.org>\r\n")
        #expect(T.written(machine.replyReceived(T.reply("250 OK"))) == "BDAT 3 LAST\r\nx\r\n")
        guard case .transactionFinished(let result) = machine.replyReceived(T.reply("250 OK")) else {
            Issue.record("no result")
            return
        }
        #expect(result.acceptedCount == 1)
    }

    @Test func noBDATWhenEveryRecipientIsRefused() {
        var machine = T.readyMachine("CHUNKING")
        _ = machine.send(OutgoingMessage(sender: "a@example.com", recipients: ["b@example.org"], data: Array("x\r\n".utf8)))
        _ = machine.replyReceived(T.reply("250 OK"))
        guard case .transactionFinished(let result) = machine.replyReceived(T.reply("550 5.1.1 unknown")) else {
            Issue.record("expected the transaction to end without BDAT")
            return
        }
        #expect(result.recipients.first?.stage == .rcpt)
    }

    @Test func chunkingCanBeTurnedOff() {
        var configuration = T.configuration()
        configuration.usesChunking = false
        var machine = SessionStateMachine(configuration: configuration)
        _ = machine.connected()
        _ = machine.replyReceived(T.reply("220 mx"))
        _ = machine.replyReceived(T.ehlo("PIPELINING", "CHUNKING"))
        #expect(T.written(machine.send(T.message))?.hasSuffix("DATA\r\n") == true)
    }
}
