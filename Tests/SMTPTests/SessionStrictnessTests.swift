import Foundation
import Testing
@testable import SMTP

/// What a broken or hostile server sends that the session must not take at face value
/// (found by fault injection against `mailctl verify`): replies to commands not sent yet, a
/// 250 where DATA needs 354, its own credentials quoted back in an error, escape sequences in
/// an XOAUTH2 error.
struct SessionStrictnessTests {
    typealias Base = SessionStateMachineTests

    // MARK: - Replies before their command

    @Test func aReplySentWithTheGreetingBeforeEHLOEndsTheSession() throws {
        var machine = SessionStateMachine(configuration: Base.configuration())
        _ = machine.connected()
        // "220 ...\r\n250-fake\r\n250 STARTTLS\r\n" in one segment: the 250 cannot answer an EHLO
        // the client has not written yet.
        let action = machine.replyReceived(Base.reply("220 mx ESMTP"), moreBytesBuffered: true, followedBy: Base.ehlo("STARTTLS"))
        let error = try #require(Base.failure(action))
        guard case .malformedReply(let detail) = error.kind else {
            Issue.record("expected a protocol error, got \(error)")
            return
        }
        #expect(detail.contains("before the client's next command"))
        #expect(error.stage == .greeting)
        #expect(Base.written(machine.replyReceived(Base.ehlo("STARTTLS"))) == nil, "nothing more is sent")
    }

    @Test func aFinalReplyBufferedBeforeTheDataWasSentIsNotTakenAsTheAnswer() throws {
        var machine = Base.readyMachine("PIPELINING")
        _ = machine.send(Base.message)
        #expect(machine.replyReceived(Base.reply("250 ok"), moreBytesBuffered: true) == .none)
        for _ in 0..<3 { #expect(machine.replyReceived(Base.reply("250 ok"), moreBytesBuffered: true) == .none) }
        // 354 with "250 2.0.0 queued-before-data" behind it: the data has not left yet.
        let action = machine.replyReceived(Base.reply("354 go"), moreBytesBuffered: true,
                                           followedBy: Base.reply("250 2.0.0 queued-before-data"))
        let error = try #require(Base.failure(action))
        #expect(error.stage == .data, "the message's data never left: a retry cannot duplicate it")
        #expect(error.description.contains("250 2.0.0 queued-before-data"))
    }

    @Test func aServerWithoutPipeliningThatAnswersAheadEndsTheSession() throws {
        var machine = Base.readyMachine("SIZE")
        #expect(Base.written(machine.send(Base.message))?.hasPrefix("MAIL FROM:<news@example.com>") == true)
        let action = machine.replyReceived(Base.reply("250 ok"), moreBytesBuffered: true, followedBy: Base.reply("250 ok"))
        let error = try #require(Base.failure(action))
        #expect(error.stage == .mail)
    }

    @Test func pipelinedRepliesArrivingTogetherAreStillFine() {
        var machine = Base.readyMachine("PIPELINING")
        _ = machine.send(Base.message)
        // Every one of these answers a command already written.
        #expect(machine.replyReceived(Base.reply("250 ok"), moreBytesBuffered: true) == .none)
        #expect(machine.replyReceived(Base.reply("250 ok"), moreBytesBuffered: true) == .none)
        #expect(machine.replyReceived(Base.reply("250 ok"), moreBytesBuffered: true) == .none)
        #expect(machine.replyReceived(Base.reply("250 ok"), moreBytesBuffered: true) == .none)
        #expect(Base.written(machine.replyReceived(Base.reply("354 go"))) != nil)
        // The next message's commands ride behind the data: its replies may follow the final one.
        _ = machine.send(Base.message)
        guard case .transactionFinished = machine.replyReceived(Base.reply("250 queued"), moreBytesBuffered: true) else {
            Issue.record("the first transaction should finish")
            return
        }
        #expect(machine.replyReceived(Base.reply("250 ok"), moreBytesBuffered: true) == .none)
    }

    @Test func a421BehindTheEHLOReplyIsReportedAsTheServerClosing() throws {
        var machine = SessionStateMachine(configuration: Base.configuration())
        _ = machine.connected()
        _ = machine.replyReceived(Base.reply("220 mx ESMTP"))
        let action = machine.replyReceived(Base.ehlo("PIPELINING"), moreBytesBuffered: true,
                                           followedBy: Base.reply("421 4.3.2 shutting down"))
        let error = try #require(Base.failure(action))
        #expect(error.kind == .unexpectedReply)
        #expect(error.reply?.code == 421)
        #expect(error.reply?.enhancedCode?.description == "4.3.2")
        // The close that follows does not replace the reason.
        #expect(machine.connectionClosed() == .none)
        #expect(machine.failure?.reply?.code == 421)
    }

    @Test func aFinalReplyWithMoreBehindItStandsAndTheSessionEnds() throws {
        var machine = Base.readyMachine("PIPELINING")
        _ = machine.send(Base.message)
        for _ in 0..<4 { _ = machine.replyReceived(Base.reply("250 ok")) }
        #expect(Base.written(machine.replyReceived(Base.reply("354 go"))) != nil)
        // "250 queued" and "421 shutting down" in one read: the message was accepted.
        let action = machine.replyReceived(Base.reply("250 2.0.0 queued"), moreBytesBuffered: true,
                                           followedBy: Base.reply("421 4.3.2 shutting down"))
        guard case .transactionFinished(let result) = action else {
            Issue.record("expected the transaction's result, got \(action)")
            return
        }
        #expect(result.recipients.allSatisfy { $0.accepted })
        #expect(!machine.canAcceptMessage)
        #expect(machine.failure?.reply?.code == 421)
        #expect(machine.replyReceived(Base.reply("421 4.3.2 shutting down")) == .none)
    }

    // MARK: - QUIT and what follows a failure

    @Test func aQUITThatTimesOutOrIsResetIsNoFailure() {
        var silent = Base.readyMachine()
        _ = silent.quit()
        #expect(silent.timeoutFired() == .closeConnection)
        #expect(silent.failure == nil)
        var reset = Base.readyMachine()
        _ = reset.quit()
        #expect(reset.connectionFailed(detail: "Connection reset by peer") == .none)
        #expect(reset.failure == nil)
    }

    @Test func garbageAfterAFailureDoesNotReplaceIt() {
        var machine = Base.readyMachine()
        _ = machine.replyReceived(Base.reply("421 4.3.2 shutting down"))
        #expect(machine.failure?.reply?.code == 421)
        #expect(machine.malformedInput(.malformedLine("\u{1}\u{2}")) == .none)
        #expect(machine.failure?.reply?.code == 421)
    }

    // MARK: - Replies no command may get

    @Test func dataAnsweredWith250IsAProtocolErrorNotARefusal() throws {
        var machine = Base.readyMachine("PIPELINING")
        _ = machine.send(Base.message)
        for _ in 0..<4 { _ = machine.replyReceived(Base.reply("250 ok")) }
        let error = try #require(Base.failure(machine.replyReceived(Base.reply("250 ok whatever"))))
        #expect(error.kind == .malformedReply(detail: "DATA answered with 250 instead of 354"))
        #expect(error.stage == .data)
    }

    @Test func rcptAnsweredWith354IsAProtocolError() throws {
        var machine = Base.readyMachine("SIZE")
        _ = machine.send(Base.message)
        _ = machine.replyReceived(Base.reply("250 ok"))
        let error = try #require(Base.failure(machine.replyReceived(Base.reply("354 go"))))
        #expect(error.stage == .rcpt)
    }

    // MARK: - AUTH

    @Test func noUsableMechanismSaysNothingWasRefused() throws {
        var machine = SessionStateMachine(configuration: Base.configuration(credentials: .password(username: "u", password: "p"), allowPlainAuth: true))
        _ = machine.connected()
        _ = machine.replyReceived(Base.reply("220 mx"))
        let error = try #require(Base.failure(machine.replyReceived(Base.ehlo("AUTH GSSAPI NTLM SCRAM-SHA-256"))))
        #expect(error.kind == .noUsableAuthMechanism(offered: "GSSAPI NTLM SCRAM-SHA-256", forced: nil))
        #expect(!error.description.contains("rejected"))
        #expect(error.description.contains("nothing was sent"))
    }

    /// `\0user\0secret`, as AUTH PLAIN sends it.
    static let plainBlob = Data("\0user\0s3cret-Pa55".utf8).base64EncodedString()

    @Test(arguments: [
        "535 5.7.8 bad credentials \(plainBlob) (s3cret-Pa55)",
        "535 5.7.8 bad credentials \(plainBlob.replacingOccurrences(of: "=", with: ""))",
        "535 5.7.8 you sent \(Data("s3cret-Pa55".utf8).base64EncodedString())",
    ])
    func aServerQuotingThePasswordBackHasItRedacted(_ line: String) throws {
        var machine = SessionStateMachine(configuration: Base.configuration(credentials: .password(username: "user", password: "s3cret-Pa55"),
                                                                           allowPlainAuth: true))
        _ = machine.connected()
        _ = machine.replyReceived(Base.reply("220 mx"))
        _ = machine.replyReceived(Base.ehlo("AUTH PLAIN LOGIN"))
        let error = try #require(Base.failure(machine.replyReceived(Base.reply(line))))
        let shown = "\(error)"
        #expect(!shown.contains("s3cret"))
        #expect(!shown.contains(Self.plainBlob.prefix(12)))
        #expect(!shown.contains(Data("s3cret-Pa55".utf8).base64EncodedString().prefix(12)))
        #expect(shown.contains("[redacted]"))
        #expect(error.reply?.code == 535, "the reply itself stays, for the classification")
    }

    /// A short password is replaced only where it stands alone: inside words it would mangle
    /// the text, and the pattern of replacements would spell it out.
    @Test func aShortPasswordIsRedactedOnlyAsAWholeToken() {
        let redaction = SecretRedaction(credentials: .password(username: "u", password: "mail"))
        #expect(redaction.apply("535 mailbox unavailable: bad password mail") == "535 mailbox unavailable: bad password [redacted]")
        #expect(redaction.apply("mail") == "[redacted]")
        #expect(redaction.apply("you sent bWFpbA== here") == "you sent [redacted]== here")
        // Punctuation next to it does not hide it.
        let seven = SecretRedaction(credentials: .password(username: "u", password: "hunter2"))
        #expect(seven.apply("bad pass=hunter2, user/hunter2") == "bad pass=[redacted], user/[redacted]")
    }

    @Test func aMalformedLineQuotingTheSecretIsRedactedToo() throws {
        var machine = SessionStateMachine(configuration: Base.configuration(credentials: .password(username: "user", password: "s3cret-Pa55"),
                                                                           allowPlainAuth: true))
        _ = machine.connected()
        _ = machine.replyReceived(Base.reply("220 mx"))
        _ = machine.replyReceived(Base.ehlo("AUTH LOGIN"))
        let error = try #require(Base.failure(machine.malformedInput(.malformedLine("XYZ \(Self.plainBlob)"))))
        #expect(!"\(error)".contains(Self.plainBlob.prefix(12)))
    }

    @Test func theXOAUTH2ErrorDetailIsCleanedAndRedacted() throws {
        let token = "ya29.TOKENSECRET"
        var machine = SessionStateMachine(configuration: Base.configuration(credentials: .oauth2(username: "user", accessToken: token),
                                                                           allowPlainAuth: true))
        _ = machine.connected()
        _ = machine.replyReceived(Base.reply("220 mx"))
        _ = machine.replyReceived(Base.ehlo("AUTH XOAUTH2"))
        let detail = "{\"status\":\"401\",\"echo\":\"user=user\u{1}auth=Bearer \(token)\"}\u{1B}]0;pwned\u{07}\u{1B}[2J"
        let challenge = SMTPReply(code: 334, lines: [Data(detail.utf8).base64EncodedString()])
        #expect(Base.written(machine.replyReceived(challenge)) == "\r\n")
        let error = try #require(Base.failure(machine.replyReceived(Base.reply("535 5.7.8 Username and Password not accepted"))))
        let shown = "\(error)"
        #expect(shown.contains("server said"))
        #expect(!shown.contains(token))
        #expect(!shown.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x01 })
    }
}
