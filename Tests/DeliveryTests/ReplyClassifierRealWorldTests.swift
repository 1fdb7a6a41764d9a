import Delivery
import SMTP
import Testing

/// Replies that are not in the shared corpus, from providers and MTAs seen in the field: the
/// defaults must generalize, not just memorize the corpus.
struct ReplyClassifierRealWorldTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var stage: SMTPStage
        var reply: String
        var expected: ReplyClass
        var testDescription: String { "\(stage) \(reply)" }
    }

    static let cases: [Case] = [
        // Success and intermediate replies.
        Case(stage: .dot, reply: "250 2.6.0 <id@example.com> [InternalId=1] Queued mail for delivery", expected: .success),
        Case(stage: .auth, reply: "334 UGFzc3dvcmQ6", expected: .success),
        // The sending account.
        Case(stage: .mail, reply: "530 5.7.0 Authentication Required. Learn more at https://support.google.com/mail/?p=WantAuthError", expected: .account),
        Case(stage: .rcpt, reply: "550 5.7.1 Unable to relay", expected: .account),
        Case(stage: .rcpt, reply: "550 relay not permitted", expected: .account),
        Case(stage: .dot, reply: "554 5.2.252 SendAsDenied; news@example.com not allowed to send as alice@example.com", expected: .account),
        Case(stage: .mail, reply: "501 5.1.7 Bad sender address syntax", expected: .account),
        Case(stage: .mail, reply: "550 5.1.8 Access denied, bad outbound sender", expected: .account),
        Case(stage: .auth, reply: "504 5.7.4 Unrecognized authentication type", expected: .account),
        Case(stage: .ehlo, reply: "550 5.7.1 Invalid HELO name (See RFC2821 4.1.1.1)", expected: .account),
        Case(stage: .startTLS, reply: "502 5.5.1 STARTTLS not available", expected: .account),
        // Temporary, for this recipient or server.
        Case(stage: .auth, reply: "454 4.7.0 Temporary authentication failure", expected: .transient),
        Case(stage: .rcpt, reply: "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]", expected: .transient),
        Case(stage: .rcpt, reply: "451 4.3.5 Server configuration problem", expected: .transient),
        Case(stage: .rcpt, reply: "552 5.2.2 Mailbox quota exceeded", expected: .transient),
        Case(stage: .rcpt, reply: "552 Too many recipients", expected: .transient),
        Case(stage: .dot, reply: "452 4.2.2 Mailbox full", expected: .transient),
        Case(stage: .connect, reply: "421 Service not available, closing transmission channel", expected: .transient),
        Case(stage: .rcpt, reply: "451 Temporary local problem - please try later", expected: .transient),
        Case(stage: .startTLS, reply: "454 4.7.0 TLS not available due to local problem", expected: .transient),
        // Slow down.
        Case(stage: .rcpt, reply: "421 4.7.26 This mail has been rate limited because it is unauthenticated.", expected: .throttle),
        Case(stage: .connect, reply: "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred", expected: .throttle),
        Case(stage: .mail, reply: "451 4.7.1 Ratelimit exceeded for sender", expected: .throttle),
        Case(stage: .rcpt, reply: "450 4.7.1 Too many messages, slow down", expected: .throttle),
        Case(stage: .dot, reply: "550 5.7.1 Daily sending quota exceeded", expected: .throttle),
        Case(stage: .auth, reply: "454 4.7.0 Too many login attempts, please try again later.", expected: .throttle),
        // Permanent for the message.
        Case(stage: .rcpt, reply: "550 Blocked by SpamAssassin", expected: .reject),
        Case(stage: .rcpt, reply: "554 Your IP is listed on the RBL", expected: .reject),
        Case(stage: .dot, reply: "550 5.7.1 Email rejected per DMARC policy for example.com", expected: .reject),
        Case(stage: .dot, reply: "554 5.6.0 Message rejected as spam", expected: .reject),
        Case(stage: .mail, reply: "552 5.3.4 Message size exceeds fixed limit", expected: .reject),
        Case(stage: .dot, reply: "550 5.7.350 Remote server returned message detected as spam", expected: .reject),
        Case(stage: .dot, reply: "554 5.4.6 Hop count exceeded - possible mail loop", expected: .reject),
        Case(stage: .rcpt, reply: "550 5.7.606 Access denied, banned sending IP [192.0.2.1]", expected: .reject),
        // Permanent for the address.
        Case(stage: .rcpt, reply: "550 5.0.0 <someone@example.org>... User unknown", expected: .bounce),
        Case(stage: .rcpt, reply: "550 No such user here", expected: .bounce),
        Case(stage: .rcpt, reply: "551 User not local; please try <forward@example.org>", expected: .bounce),
        Case(stage: .rcpt, reply: "554 delivery error: dd Sorry your message to someone@yahoo.com cannot be delivered. This mailbox is disabled (554.30).", expected: .bounce),
        Case(stage: .rcpt, reply: "550 5.4.4 Unable to route: no mail hosts for domain", expected: .bounce),
        Case(stage: .rcpt, reply: "550 5.7.1 <someone@example.org>: Recipient address rejected: User unknown in local recipient table", expected: .bounce),
        Case(stage: .dot, reply: "550 5.1.1 <someone@example.org>: Recipient address rejected: User unknown", expected: .bounce),
    ]

    @Test(arguments: cases)
    func classifiesSensibly(_ testCase: Case) throws {
        let reply = try #require(SMTPReply(singleLine: testCase.reply))
        let result = ReplyClassifier.standard.classify(reply: reply, stage: testCase.stage)
        #expect(result.replyClass == testCase.expected, "\(testCase.stage) \(testCase.reply): \(result), expected \(testCase.expected)")
    }
}
