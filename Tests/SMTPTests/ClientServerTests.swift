import Foundation
import SMTP
import SMTPServer
import Testing
import TestSupport

/// The client against the project's scriptable server over real loopback TCP: TLS in every
/// mode, every AUTH mechanism, and the faults a relay can throw at it.
@Suite(.timeLimit(.minutes(2)))
struct ClientServerTests {
    static let certificates: TestCertificates = {
        do { return try TestCertificates.make() } catch { fatalError("cannot make test certificates: \(error)") }
    }()

    static func clientConfiguration(port: Int, host: String = "127.0.0.1", tls: TLSMode = .none, credentials: SMTPCredentials? = nil,
                                    mechanism: AuthMechanism? = nil, timeout: Duration = .seconds(5)) -> SessionStateMachine.Configuration {
        SessionStateMachine.Configuration(clientName: "client.localhost", host: host, port: port, tlsMode: tls, credentials: credentials,
                                          authMechanism: mechanism, timeouts: SMTPTimeouts().capped(at: timeout))
    }

    static func serverTLS(other: Bool = false) throws -> TLSContext {
        other ? try TLSContext.server(certificateChainFile: certificates.otherHostCertificate, privateKeyFile: certificates.otherHostKey)
              : try TLSContext.server(certificateChainFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey)
    }

    static func withServer<T>(_ configuration: SMTPServerConfiguration, _ body: (SMTPTestServer, Int) async throws -> T) async throws -> T {
        let server = SMTPTestServer(configuration: configuration)
        let port = try await server.start()
        do {
            let result = try await body(server, port)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    static func expectFailure(_ configuration: SessionStateMachine.Configuration, tls: TLSContext?,
                              sourceLocation: SourceLocation = #_sourceLocation) async -> SMTPError? {
        do {
            let connection = try await SMTPConnection.connect(configuration: configuration, tlsContext: tls)
            await connection.quit()
            Issue.record("connection succeeded", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    static func message(_ recipients: [String], _ body: String = "Subject: test\r\n\r\nhello\r\n") -> OutgoingMessage {
        OutgoingMessage(sender: "sender@example.com", recipients: recipients, data: Array(body.utf8))
    }

    // MARK: - TLS

    @Test func implicitTLSWithAPrivateCA() async throws {
        try await Self.withServer(SMTPServerConfiguration(tls: .implicit(try Self.serverTLS()))) { server, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port, host: "localhost", tls: .implicit),
                                                              tlsContext: try TLSContext.client(caFile: Self.certificates.caFile))
            let tls = try #require(connection.session.tls)
            #expect(tls.peerVerified)
            #expect(tls.peerSubject?.contains("CN=localhost") == true)
            #expect(tls.peerIssuer?.contains("maild test CA") == true)
            #expect(tls.peerNotAfter.map { $0 > Date() } == true)
            let result = try await connection.send(Self.message(["a@example.org"]))
            #expect(result.acceptedCount == 1)
            await connection.quit()
            let received = try await server.waitForMessages(count: 1)
            #expect(received.first?.tlsActive == true)
        }
    }

    @Test func startTLSWithAPrivateCAThenEHLOAgain() async throws {
        let configuration = SMTPServerConfiguration(tls: .startTLS(try Self.serverTLS()), requiresTLS: true)
        try await Self.withServer(configuration) { server, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port, tls: .startTLS),
                                                              tlsContext: try TLSContext.client(caFile: Self.certificates.caFile))
            #expect(connection.session.tls != nil)
            #expect(!connection.session.extensions.startTLS)  // the second EHLO, inside TLS
            _ = try await connection.send(Self.message(["a@example.org"]))
            await connection.quit()
            let record = try await server.waitForConnectionsToClose()
            #expect(record.commands.filter { $0.verb == "EHLO" }.count == 2)
            #expect(record.messages.first?.tlsActive == true)
        }
    }

    @Test func untrustedCertificateIsRefusedWithAHint() async throws {
        try await Self.withServer(SMTPServerConfiguration(tls: .implicit(try Self.serverTLS()))) { _, port in
            let error = try #require(await Self.expectFailure(Self.clientConfiguration(port: port, host: "localhost", tls: .implicit),
                                                              tls: try TLSContext.client()))
            guard case .certificateInvalid(let detail) = error.kind else {
                Issue.record("expected a certificate error, got \(error)")
                return
            }
            #expect(detail.contains("issuer") || detail.contains("self-signed") || detail.contains("self signed"))
            #expect(error.stage == .tlsHandshake)
            #expect(error.hint?.contains("CA") == true)
        }
    }

    @Test func certificateForAnotherHostIsRefused() async throws {
        try await Self.withServer(SMTPServerConfiguration(tls: .implicit(try Self.serverTLS(other: true)))) { _, port in
            let error = try #require(await Self.expectFailure(Self.clientConfiguration(port: port, host: "localhost", tls: .implicit),
                                                              tls: try TLSContext.client(caFile: Self.certificates.caFile)))
            #expect(error.kind == .certificateInvalid(detail: "certificate verification failed: hostname mismatch")
                    || error.description.lowercased().contains("hostname mismatch"), "\(error)")
            #expect(error.hint?.contains("another host") == true)
        }
    }

    @Test func insecureModeAcceptsAnyCertificateButSaysSo() async throws {
        try await Self.withServer(SMTPServerConfiguration(tls: .implicit(try Self.serverTLS(other: true)))) { _, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port, tls: .implicit),
                                                              tlsContext: try TLSContext.client(verifiesPeer: false))
            #expect(connection.session.tls?.peerVerified == false)
            await connection.quit()
        }
    }

    @Test func strippedSTARTTLSIsRefusedAndNothingIsSentInPlaintext() async throws {
        let configuration = SMTPServerConfiguration(authentication: ServerAuthentication(mechanisms: [.plain], passwords: ["u": "secret"]))
        try await Self.withServer(configuration) { server, port in
            let error = try #require(await Self.expectFailure(
                Self.clientConfiguration(port: port, tls: .startTLS, credentials: .password(username: "u", password: "secret")),
                tls: try TLSContext.client(caFile: Self.certificates.caFile)))
            #expect(error.kind == .startTLSNotOffered)
            let record = try await server.waitForConnectionsToClose()
            #expect(!record.commands.contains { $0.verb == "AUTH" || $0.verb == "MAIL" })
        }
    }

    @Test func plaintextInjectedAfterSTARTTLSIsRefused() async throws {
        let script = ServerScript([ScriptRule(on: .startTLS, action: .raw("220 2.0.0 Ready to start TLS\r\n250-injected\r\n250 AUTH PLAIN\r\n"))])
        try await Self.withServer(SMTPServerConfiguration(tls: .startTLS(try Self.serverTLS()), script: script)) { _, port in
            let error = try #require(await Self.expectFailure(Self.clientConfiguration(port: port, tls: .startTLS),
                                                              tls: try TLSContext.client(caFile: Self.certificates.caFile)))
            #expect(error.kind == .plaintextAfterStartTLS)
        }
    }

    @Test func implicitTLSToAPlaintextServerHintsAtSTARTTLS() async throws {
        try await Self.withServer(SMTPServerConfiguration()) { _, port in
            let error = try #require(await Self.expectFailure(Self.clientConfiguration(port: port, tls: .implicit),
                                                              tls: try TLSContext.client(caFile: Self.certificates.caFile)))
            guard case .tlsHandshakeFailed = error.kind else {
                Issue.record("expected a TLS handshake failure, got \(error)")
                return
            }
            #expect(error.hint?.contains("starttls") == true, "\(error)")
        }
    }

    @Test func plaintextToAnImplicitTLSServerTimesOutWaitingForTheGreeting() async throws {
        try await Self.withServer(SMTPServerConfiguration(tls: .implicit(try Self.serverTLS()))) { _, port in
            let error = try #require(await Self.expectFailure(Self.clientConfiguration(port: port, tls: .none, timeout: .milliseconds(500)), tls: nil))
            #expect(error.kind == .timeout(after: .milliseconds(500)))
            #expect(error.stage == .greeting)
            #expect(error.hint?.contains("implicit") == true)
        }
    }

    // MARK: - AUTH

    @Test(arguments: [AuthMechanism.plain, .login, .cramMD5])
    func passwordMechanismsAuthenticate(mechanism: AuthMechanism) async throws {
        let configuration = SMTPServerConfiguration(
            tls: .startTLS(try Self.serverTLS()),
            authentication: ServerAuthentication(mechanisms: [.plain, .login, .cramMD5], passwords: ["alice": "correct horse"], isRequired: true))
        try await Self.withServer(configuration) { server, port in
            let good = Self.clientConfiguration(port: port, tls: .startTLS, credentials: .password(username: "alice", password: "correct horse"), mechanism: mechanism)
            let connection = try await SMTPConnection.connect(configuration: good, tlsContext: try TLSContext.client(caFile: Self.certificates.caFile))
            #expect(connection.session.authenticatedWith == mechanism)
            _ = try await connection.send(Self.message(["a@example.org"]))
            await connection.quit()
            #expect(try await server.waitForMessages(count: 1).first?.authenticatedUser == "alice")

            let bad = Self.clientConfiguration(port: port, tls: .startTLS, credentials: .password(username: "alice", password: "wrong horse"), mechanism: mechanism)
            let error = try #require(await Self.expectFailure(bad, tls: try TLSContext.client(caFile: Self.certificates.caFile)))
            #expect(error.kind == .authenticationFailed(mechanism: mechanism.rawValue))
            #expect(error.reply?.code == 535)
            #expect(!error.description.contains("wrong horse"))
            // The server's log never holds a credential either.
            #expect(!server.commands.contains { $0.arguments.contains("correct horse") || $0.description.contains("d3JvbmcgaG9yc2") })
        }
    }

    @Test func xoauth2AuthenticatesAndReportsTheServersErrorDetail() async throws {
        let configuration = SMTPServerConfiguration(
            tls: .implicit(try Self.serverTLS()),
            authentication: ServerAuthentication(mechanisms: [.plain, .xoauth2], tokens: ["alice@example.com": "ya29.good"], isRequired: true))
        try await Self.withServer(configuration) { _, port in
            let good = Self.clientConfiguration(port: port, tls: .implicit, credentials: .oauth2(username: "alice@example.com", accessToken: "ya29.good"))
            let connection = try await SMTPConnection.connect(configuration: good, tlsContext: try TLSContext.client(caFile: Self.certificates.caFile))
            #expect(connection.session.authenticatedWith == .xoauth2)
            await connection.quit()

            let bad = Self.clientConfiguration(port: port, tls: .implicit, credentials: .oauth2(username: "alice@example.com", accessToken: "ya29.expired"))
            let error = try #require(await Self.expectFailure(bad, tls: try TLSContext.client(caFile: Self.certificates.caFile)))
            #expect(error.kind == .authenticationFailed(mechanism: "XOAUTH2"))
            #expect(error.hint?.contains("server said") == true, "\(error)")
            #expect(!error.description.contains("ya29"))
        }
    }

    // MARK: - Transactions

    @Test func manyMessagesReuseOneConnectionByteForByte() async throws {
        try await Self.withServer(SMTPServerConfiguration()) { server, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port), tlsContext: nil)
            let bodies = (0..<40).map { number in
                "Subject: \(number)\r\n\r\n.dot line \(number)\n..two\r\n.\r\nbare cr\rend"
            }
            // Concurrent senders: the connection serves them in order and pipelines them.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<4 {
                    group.addTask {
                        for number in stride(from: lane, to: bodies.count, by: 4) {
                            let result = try await connection.send(Self.message(["r\(number)@example.org"], bodies[number]))
                            #expect(result.acceptedCount == 1)
                        }
                    }
                }
                try await group.waitForAll()
            }
            await connection.quit()
            let record = try await server.waitForConnectionsToClose()
            #expect(record.messages.count == 40)
            #expect(Set(record.messages.map(\.connectionID)).count == 1)
            for message in record.messages {
                let number = Int(message.recipients[0].dropFirst().prefix(while: \.isNumber)) ?? -1
                #expect(message.data == MessageDataEncoder.normalizeLineEndings(Array(bodies[number].utf8)))
            }
        }
    }

    @Test func perRecipientRefusalsAreReportedAndTheOthersDelivered() async throws {
        let script = ServerScript([
            ScriptRule(on: .rcpt, recipient: "gone@example.org", action: .reply(550, "5.1.1 <gone@example.org>: Recipient address rejected: User unknown")),
            ScriptRule(on: .rcpt, recipient: "grey@example.org", occurrences: .first(1), action: .reply(450, "4.2.0 Greylisted, come back later")),
        ])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { server, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port), tlsContext: nil)
            let result = try await connection.send(Self.message(["ok@example.org", "gone@example.org", "grey@example.org"]))
            #expect(result.recipients.map(\.accepted) == [true, false, false])
            #expect(result.recipients[1].reply.enhancedCode == EnhancedStatusCode("5.1.1"))
            #expect(result.recipients[1].stage == .rcpt)
            #expect(result.recipients[2].reply.code == 450)
            // Greylisting: the retry is accepted.
            let retry = try await connection.send(Self.message(["grey@example.org"]))
            #expect(retry.acceptedCount == 1)
            await connection.quit()
            let messages = try await server.waitForMessages(count: 2)
            #expect(messages[0].recipients == ["ok@example.org"])
            #expect(messages[1].recipients == ["grey@example.org"])
        }
    }

    @Test func a421OnTheThirdMessageEndsTheSessionCleanly() async throws {
        let script = ServerScript([ScriptRule(on: .dot, messages: .only(3), action: .replyAndClose(421, "4.7.0 Try again later, closing connection. (DATA)"))])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port), tlsContext: nil)
            #expect(try await connection.send(Self.message(["a@example.org"])).acceptedCount == 1)
            #expect(try await connection.send(Self.message(["b@example.org"])).acceptedCount == 1)
            let third = try await connection.send(Self.message(["c@example.org"]))
            #expect(third.sessionClosed)
            #expect(third.recipients.first?.reply.code == 421)
            #expect(third.recipients.first?.stage == .dot)
            await #expect(throws: SMTPError.self) { try await connection.send(Self.message(["d@example.org"])) }
            #expect(await !connection.isUsable)
        }
    }

    @Test func connectionDroppedAfterTheDotIsASessionErrorAtTheDot() async throws {
        let script = ServerScript([ScriptRule(on: .dot, action: .drop)])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port), tlsContext: nil)
            do {
                _ = try await connection.send(Self.message(["a@example.org"]))
                Issue.record("send succeeded")
            } catch let error as SMTPError {
                #expect(error.kind == .connectionClosed)
                #expect(error.stage == .dot)
            }
        }
    }

    @Test func stallAfterDataTimesOutAtThatStage() async throws {
        let script = ServerScript([ScriptRule(on: .data, action: .silence)])
        try await Self.withServer(SMTPServerConfiguration(extensions: AdvertisedExtensions(pipelining: false), script: script)) { _, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port, timeout: .milliseconds(400)), tlsContext: nil)
            do {
                _ = try await connection.send(Self.message(["a@example.org"]))
                Issue.record("send succeeded")
            } catch let error as SMTPError {
                #expect(error.kind == .timeout(after: .milliseconds(400)))
                #expect(error.stage == .data)
            }
        }
    }

    // MARK: - Bad input from the server

    @Test func garbageGreetingIsAMalformedReply() async throws {
        let script = ServerScript([ScriptRule(on: .greeting, action: .raw("HTTP/1.1 400 Bad Request\r\n\r\n"))])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let error = try #require(await Self.expectFailure(Self.clientConfiguration(port: port), tls: nil))
            guard case .malformedReply = error.kind else {
                Issue.record("expected a malformed reply, got \(error)")
                return
            }
            #expect(error.stage == .greeting)
        }
    }

    @Test func overLongReplyLineIsRefused() async throws {
        let script = ServerScript([ScriptRule(on: .ehlo, action: .raw("250-" + String(repeating: "x", count: 10_000) + "\r\n250 OK\r\n"))])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let error = try #require(await Self.expectFailure(Self.clientConfiguration(port: port), tls: nil))
            #expect(error.kind == .malformedReply(detail: "reply line longer than 4096 octets"))
            #expect(error.stage == .ehlo)
        }
    }

    @Test func replySentByteByByteIsAssembled() async throws {
        let script = ServerScript([
            ScriptRule(on: .greeting, action: ServerAction.reply(220, "slow.example ESMTP").sentByteByByte(interval: .milliseconds(1))),
            ScriptRule(on: .ehlo, action: ServerAction.raw("250-slow.example\r\n250-PIPELINING\r\n250 SIZE 1000000\r\n").sentByteByByte()),
        ])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port), tlsContext: nil)
            #expect(connection.session.extensions.pipelining)
            #expect(connection.session.extensions.maximumSize == 1_000_000)
            await connection.quit()
        }
    }

    @Test func connectionClosedInTheMiddleOfAReply() async throws {
        let script = ServerScript([ScriptRule(on: .ehlo, action: ServerAction.raw("250-mx.example\r\n250-PIPEL").closing())])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let error = try #require(await Self.expectFailure(Self.clientConfiguration(port: port), tls: nil))
            #expect(error.kind == .connectionClosed)
            #expect(error.stage == .ehlo)
        }
    }

    @Test func refusedGreetingCarriesTheReply() async throws {
        let script = ServerScript([ScriptRule(on: .greeting, action: .replyAndClose(554, "5.7.1 Client host [127.0.0.1] blocked using zen.spamhaus.org"))])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let error = try #require(await Self.expectFailure(Self.clientConfiguration(port: port), tls: nil))
            #expect(error.stage == .greeting)
            #expect(error.reply?.code == 554)
            #expect(error.hint?.contains("IP") == true)
        }
    }

    @Test func connectionRefusedHasAHint() async throws {
        let port = try FreePort.pick()
        let error = try #require(await Self.expectFailure(Self.clientConfiguration(port: port), tls: nil))
        #expect(error.kind == .connectionRefused)
        #expect(error.stage == .connect)
        #expect(error.hint?.contains("port") == true)
    }

    @Test func unknownHostIsReportedAsSuch() async throws {
        let error = try #require(await Self.expectFailure(Self.clientConfiguration(port: 25, host: "no-such-host.invalid"), tls: nil))
        guard case .hostNotFound = error.kind else {
            Issue.record("expected hostNotFound, got \(error)")
            return
        }
    }

    @Test func ipv6LoopbackWorks() async throws {
        try await Self.withServer(SMTPServerConfiguration(host: "::1")) { server, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port, host: "::1"), tlsContext: nil)
            _ = try await connection.send(Self.message(["a@example.org"]))
            await connection.quit()
            #expect(try await server.waitForMessages(count: 1).count == 1)
        }
    }
}

extension ClientServerTests {
    @Test func cancellingConnectClosesTheSessionWithoutWaitingForTimeouts() async throws {
        let script = ServerScript([ScriptRule(on: .greeting, action: .silence)])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let started = ContinuousClock.now
            let task = Task {
                try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port, timeout: .seconds(600)), tlsContext: nil)
            }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            let result = await task.result
            #expect(throws: SMTPError.self) { try result.get() }
            // Far below the 600 s greeting timeout; generous because a loaded CI machine can
            // delay a wake-up by seconds.
            #expect(ContinuousClock.now - started < .seconds(60))
        }
    }
}

extension ClientServerTests {
    @Test func messagesQueuedBehindAFailedTransactionFailAtMail() async throws {
        let script = ServerScript([ScriptRule(on: .dot, action: .drop)])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port), tlsContext: nil)
            let errors = await withTaskGroup(of: SMTPError?.self) { group in
                for number in 0..<3 {
                    group.addTask {
                        do {
                            _ = try await connection.send(Self.message(["r\(number)@example.org"]))
                            return nil
                        } catch {
                            return error as? SMTPError
                        }
                    }
                }
                return await group.reduce(into: [SMTPError?]()) { $0.append($1) }
            }
            // One message had its data on the wire when the connection dropped: its fate is
            // unknown, and the failure is its own. The others never had their turn.
            #expect(errors.filter { $0?.stage == .dot && $0?.endedBeforeItsTurn == false }.count == 1)
            #expect(errors.filter { $0?.stage == .mail && $0?.endedBeforeItsTurn == true }.count == 2)
        }
    }

    /// With CHUNKING a transaction pipelined behind the current one leaves whole (BDAT needs no
    /// 354), so when the connection drops before either is answered, both fates are unknown:
    /// both fail at stage dot, and the daemon counts an attempt instead of resending blindly.
    @Test func aBDATTransactionPipelinedBehindADroppedOneFailsAtTheDot() async throws {
        let script = ServerScript([ScriptRule(on: .dot, messages: .only(1), action: ServerAction.drop.delayed(by: .milliseconds(400)))])
        let server = SMTPServerConfiguration(extensions: AdvertisedExtensions(chunking: true), script: script)
        try await Self.withServer(server) { _, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port), tlsContext: nil)
            #expect(connection.session.extensions.chunking)
            let first = Task { () -> SMTPError? in
                do { _ = try await connection.send(Self.message(["first@example.org"])); return nil } catch { return error as? SMTPError }
            }
            // The first transaction is on the wire and its answer held back: the second one
            // follows it, data included.
            try await Task.sleep(for: .milliseconds(100))
            let second = Task { () -> SMTPError? in
                do { _ = try await connection.send(Self.message(["second@example.org"])); return nil } catch { return error as? SMTPError }
            }
            let firstError = await first.value
            let secondError = await second.value
            #expect(firstError?.stage == .dot)
            #expect(secondError?.stage == .dot)
            // Its content left: it did have its turn, so it must not be resent blindly.
            #expect(secondError?.endedBeforeItsTurn == false)
        }
    }

    /// A message handed to a session that already failed at the dot never left: its error is
    /// at stage mail, so the daemon sends it again instead of counting a delivery of unknown fate.
    @Test func aMessageSentAfterTheSessionFailedFailsAtMail() async throws {
        let script = ServerScript([ScriptRule(on: .dot, action: .drop)])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port), tlsContext: nil)
            await #expect(throws: SMTPError.self) { try await connection.send(Self.message(["first@example.org"])) }
            do {
                _ = try await connection.send(Self.message(["second@example.org"]))
                Issue.record("send on a failed session succeeded")
            } catch {
                #expect((error as? SMTPError)?.stage == .mail, "\(error)")
                #expect((error as? SMTPError)?.endedBeforeItsTurn == true, "\(error)")
            }
        }
    }

    /// A 421 that answers one transaction's data ends the session: the transaction pipelined
    /// behind it is not at fault, and its error says so.
    @Test func aMessagePipelinedBehindA421EndedBeforeItsTurn() async throws {
        let script = ServerScript([ScriptRule(on: .dot, messages: .only(1),
                                              action: ServerAction.replyAndClose(421, "4.7.0 Try again later, closing connection. (DATA)").delayed(by: .milliseconds(300)))])
        try await Self.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port), tlsContext: nil)
            let first = Task { try await connection.send(Self.message(["first@example.org"])) }
            // The first message's answer is held back, so the second one's commands follow its data.
            try await Task.sleep(for: .milliseconds(100))
            let second = Task { () -> SMTPError? in
                do { _ = try await connection.send(Self.message(["second@example.org"])); return nil } catch { return error as? SMTPError }
            }
            let firstResult = try await first.value
            #expect(firstResult.sessionClosed)
            #expect(firstResult.recipients.first?.reply.code == 421)
            let secondError = await second.value
            #expect(secondError?.stage == .mail)
            #expect(secondError?.endedBeforeItsTurn == true)
        }
    }

    @Test func quitTwiceReturnsForBothCallers() async throws {
        try await Self.withServer(SMTPServerConfiguration()) { _, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port), tlsContext: nil)
            async let first: Void = connection.quit()
            async let second: Void = connection.quit()
            _ = await (first, second)
            #expect(await !connection.isUsable)
        }
    }

    @Test func longOAuth2TokenAuthenticatesAgainstTheServer() async throws {
        let token = "ya29." + String(repeating: "A", count: 2500)
        let configuration = SMTPServerConfiguration(
            tls: .implicit(try Self.serverTLS()),
            authentication: ServerAuthentication(mechanisms: [.xoauth2], tokens: ["alice@example.com": token], isRequired: true))
        try await Self.withServer(configuration) { _, port in
            let client = Self.clientConfiguration(port: port, tls: .implicit, credentials: .oauth2(username: "alice@example.com", accessToken: token))
            let connection = try await SMTPConnection.connect(configuration: client, tlsContext: try TLSContext.client(caFile: Self.certificates.caFile))
            #expect(connection.session.authenticatedWith == .xoauth2)
            await connection.quit()
        }
    }
}

extension ClientServerTests {
    @Test func bdatDeliversByteForByteAndPipelinesTransactions() async throws {
        let configuration = SMTPServerConfiguration(extensions: AdvertisedExtensions(chunking: true))
        try await Self.withServer(configuration) { server, port in
            let connection = try await SMTPConnection.connect(configuration: Self.clientConfiguration(port: port), tlsContext: nil)
            #expect(connection.session.extensions.chunking)
            let bodies = (0..<20).map { "Subject: \($0)\n\n.leading dot\r\n.\r\nlast line \($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<3 {
                    group.addTask {
                        for number in stride(from: lane, to: bodies.count, by: 3) {
                            let result = try await connection.send(Self.message(["r\(number)@example.org"], bodies[number]))
                            #expect(result.acceptedCount == 1)
                        }
                    }
                }
                try await group.waitForAll()
            }
            await connection.quit()
            let record = try await server.waitForConnectionsToClose()
            #expect(record.messages.count == 20)
            #expect(record.messages.allSatisfy { $0.usedBDAT })
            for message in record.messages {
                let number = Int(message.recipients[0].dropFirst().prefix(while: \.isNumber)) ?? -1
                #expect(message.data == MessageDataEncoder.normalizeLineEndings(Array(bodies[number].utf8)))
            }
        }
    }
}
