import Delivery
import SMTP
import Testing

struct SessionFailureClassificationTests {
    private let classifier = ReplyClassifier.standard

    private func failure(_ kind: SMTPError.Kind, at stage: SMTPStage, reply: String? = nil) throws -> SMTPError {
        let parsed = try reply.map { try #require(SMTPReply(singleLine: $0)) }
        return SMTPError(kind: kind, stage: stage, server: "smtp.example.com:587", reply: parsed)
    }

    @Test(arguments: [
        (SMTPError.Kind.hostNotFound(detail: "NXDOMAIN"), SMTPStage.connect, ReplyClass.transient),
        (.connectionRefused, .connect, .transient),
        (.connectTimeout, .connect, .transient),
        (.connectionFailed(detail: "network unreachable"), .connect, .transient),
        (.connectionClosed, .rcpt, .transient),
        (.timeout(after: .seconds(300)), .dot, .transient),
        (.tlsHandshakeFailed(detail: "wrong version number"), .tlsHandshake, .transient),
        (.plaintextAfterStartTLS, .startTLS, .transient),
        (.malformedReply(detail: "garbage"), .ehlo, .transient),
        (.sessionUnusable, .mail, .transient),
        (.certificateInvalid(detail: "hostname mismatch"), .tlsHandshake, .account),
        (.startTLSNotOffered, .startTLS, .account),
        (.authenticationRequiresTLS, .auth, .account),
        (.authenticationNotOffered, .auth, .account),
        (.authenticationFailed(mechanism: "PLAIN"), .auth, .account),
        (.invalidCommand(detail: "EHLO has a control character"), .ehlo, .account),
        (.invalidCommand(detail: "RCPT has a control character"), .rcpt, .reject),
        (.messageTooLarge(size: 30_000_000, limit: 25_000_000), .mail, .reject),
        (.eightBitNotSupported, .mail, .reject),
        (.smtpUTF8NotSupported, .mail, .reject),
        (.unexpectedReply, .greeting, .transient),
    ])
    func failuresWithoutReply(kind: SMTPError.Kind, stage: SMTPStage, expected: ReplyClass) throws {
        let result = classifier.classify(try failure(kind, at: stage))
        #expect(result.replyClass == expected, "\(kind) at \(stage): \(result)")
        #expect(result.source == ReplyClassifier.sessionRulesSource)
    }

    @Test(arguments: [
        ("535 5.7.8 Username and Password not accepted.", ReplyClass.account),
        ("534 5.7.9 Application-specific password required.", .account),
        ("454 4.7.0 Temporary authentication failure", .transient),
        ("421 4.7.0 Try again later, closing connection.", .throttle),
    ])
    func authenticationFailuresAreDecidedByTheReply(line: String, expected: ReplyClass) throws {
        let result = classifier.classify(try failure(.authenticationFailed(mechanism: "LOGIN"), at: .auth, reply: line))
        #expect(result.replyClass == expected, "\(line): \(result)")
        #expect(result.source.hasPrefix(DefaultClassificationRules.fileName))
    }

    /// The session reports a refused greeting at stage `greeting`; the corpus and the rules
    /// call it `connect`.
    @Test(arguments: [
        ("554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", ReplyClass.reject),
        ("421 4.7.0 example.com Service not available, too many connections from your IP", .throttle),
        ("554 No SMTP service here", .reject),
        ("421 Service shutting down", .transient),
    ])
    func refusedGreetingsAreClassifiedAtConnect(line: String, expected: ReplyClass) throws {
        let result = classifier.classify(try failure(.unexpectedReply, at: .greeting, reply: line))
        #expect(result.replyClass == expected, "\(line): \(result)")
    }

    @Test func refusedStartTLSAndUnsolicited421UseTheirStage() throws {
        let startTLS = classifier.classify(try failure(.unexpectedReply, at: .startTLS, reply: "454 4.7.0 TLS not available due to local problem"))
        #expect(startTLS.replyClass == .transient)
        let shutdown = classifier.classify(try failure(.unexpectedReply, at: .noop, reply: "421 4.3.2 System shutting down"))
        #expect(shutdown.replyClass == .transient)
    }

    /// A session can fail on a positive reply it did not expect (a 250 greeting); success
    /// would drop the message, so the failure's own class decides.
    @Test func positiveReplyDoesNotMakeAFailureASuccess() throws {
        let greeting = classifier.classify(try failure(.unexpectedReply, at: .greeting, reply: "250 hello"))
        #expect(greeting == Classification(replyClass: .transient, rule: "session-unexpected-reply", source: ReplyClassifier.sessionRulesSource))
        let auth = classifier.classify(try failure(.authenticationFailed(mechanism: "PLAIN"), at: .auth, reply: "235 2.7.0 ok"))
        #expect(auth.replyClass == .account)
    }
}
