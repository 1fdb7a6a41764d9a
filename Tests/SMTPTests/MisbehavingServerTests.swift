import Foundation
import SMTP
import SMTPServer
import Testing

/// The client against the project's scriptable server misbehaving on a real socket: what
/// fault injection against `mailctl verify` found (replies ahead of their command, a close or
/// a 421 right after EHLO, a timer that kept the longest stage's deadline).
@Suite(.timeLimit(.minutes(1)))
struct MisbehavingServerTests {
    typealias Base = ClientServerTests

    @Test func aFinalReplySentBeforeTheDataIsNeverReportedAsDelivery() async throws {
        // MAIL, RCPT and DATA arrive in one group; the server answers all three and a final
        // 250 at once, then refuses the real message after the dot.
        let script = ServerScript([
            ScriptRule(on: .mail, action: .raw("250 ok\r\n250 ok\r\n354 go\r\n250 2.0.0 queued-before-data\r\n")),
            ScriptRule(on: .rcpt, action: ServerAction(response: .nothing)),
            ScriptRule(on: .data, action: ServerAction(response: .nothing)),
            ScriptRule(on: .dot, action: .reply(554, "5.6.0 the real answer")),
        ])
        try await Base.withServer(SMTPServerConfiguration(script: script)) { server, port in
            let connection = try await SMTPConnection.connect(configuration: Base.clientConfiguration(port: port), tlsContext: nil)
            do {
                let result = try await connection.send(Base.message(["a@example.org"]))
                Issue.record("reported \(result) for a message whose answer came before its data")
            } catch let error as SMTPError {
                #expect(error.stage == .data, "\(error)")
                #expect(error.description.contains("queued-before-data"))
            }
            await connection.quit()
            #expect(server.messages.isEmpty)
        }
    }

    @Test func aFinalReplyWithA421InTheSameReadCountsAsSent() async throws {
        let script = ServerScript([ScriptRule(on: .dot, action: ServerAction.raw("250 2.0.0 queued\r\n421 4.3.2 shutting down\r\n").closing())])
        try await Base.withServer(SMTPServerConfiguration(script: script)) { _, port in
            let connection = try await SMTPConnection.connect(configuration: Base.clientConfiguration(port: port), tlsContext: nil)
            let result = try await connection.send(Base.message(["a@example.org"]))
            #expect(result.recipients.allSatisfy { $0.accepted }, "the server accepted it: sending it again would duplicate it")
            do {
                _ = try await connection.send(Base.message(["b@example.org"]))
                Issue.record("the session went on after the server closed it")
            } catch let error as SMTPError {
                #expect(error.endedBeforeItsTurn)
            }
            await connection.quit()
        }
    }

    @Test func a421RightAfterTheEHLOReplyIsReportedEveryTime() async throws {
        let script = ServerScript([ScriptRule(on: .ehlo, action: ServerAction.raw("250-mx.example\r\n250 PIPELINING\r\n421 4.3.2 shutting down\r\n").closing())])
        try await Base.withServer(SMTPServerConfiguration(script: script)) { _, port in
            // The race was between the close and the lookup of the handler: repeat it.
            for _ in 0..<15 {
                let error = try #require(await Base.expectFailure(Base.clientConfiguration(port: port), tls: nil))
                #expect(error.reply?.code == 421, "\(error)")
                #expect(error.stage == .ehlo)
            }
        }
    }

    @Test func aCloseRightAfterTheEHLOReplyLeavesAConnectionThatSaysSo() async throws {
        let script = ServerScript([ScriptRule(on: .ehlo, action: ServerAction.raw("250-mx.example\r\n250 PIPELINING\r\n").closing())])
        try await Base.withServer(SMTPServerConfiguration(script: script)) { _, port in
            for _ in 0..<15 {
                // Never "notFound": the session was ready when the server hung up.
                let connection = try await SMTPConnection.connect(configuration: Base.clientConfiguration(port: port), tlsContext: nil)
                #expect(connection.session.extensions.pipelining)
                var failure = await connection.failure
                for _ in 0..<100 where failure == nil {
                    try await Task.sleep(for: .milliseconds(10))
                    failure = await connection.failure
                }
                #expect(failure?.kind == .connectionClosed)
                #expect(await !connection.isUsable)
                await connection.quit()
            }
        }
    }

    @Test func aShorterStageTimeoutFiresOnTime() async throws {
        // Greeting and EHLO allowed 5 s, DATA 300 ms: the timer set for the long stages must move.
        let script = ServerScript([ScriptRule(on: .data, action: .silence)])
        try await Base.withServer(SMTPServerConfiguration(extensions: AdvertisedExtensions(pipelining: false), script: script)) { _, port in
            var configuration = Base.clientConfiguration(port: port)
            configuration.timeouts.dataInitiation = .milliseconds(300)
            let connection = try await SMTPConnection.connect(configuration: configuration, tlsContext: nil)
            let started = ContinuousClock.now
            do {
                _ = try await connection.send(Base.message(["a@example.org"]))
                Issue.record("send succeeded")
            } catch let error as SMTPError {
                #expect(error.kind == .timeout(after: .milliseconds(300)))
                #expect(error.stage == .data)
            }
            let waited = ContinuousClock.now - started
            #expect(waited < .seconds(3), "waited \(waited): the 5 s deadline of the earlier stages was kept")
        }
    }
}
