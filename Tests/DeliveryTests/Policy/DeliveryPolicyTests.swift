import Delivery
import Foundation
import SMTP
import Testing

struct DeliveryPolicyTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = DeliveryPolicy(jitter: .fixed(fraction: 1))

    @Test(arguments: [
        (ReplyClass.success, RecipientDecision.sent),
        (.throttle, .requeue),
        (.bounce, .failAndSuppress),
        (.reject, .fail),
        (.account, .pauseAccount(reason: "535 5.7.8 bad credentials")),
    ])
    func everyClassFollowsItsAction(replyClass: ReplyClass, expected: RecipientDecision) {
        #expect(policy.decide(class: replyClass, attempt: 3, firstAttemptAt: start, now: start, reason: "535 5.7.8 bad credentials") == expected)
    }

    @Test func transientDefersWithBackoffThenExpires() {
        let now = start.addingTimeInterval(100)
        #expect(policy.decide(class: .transient, attempt: 2, firstAttemptAt: start, now: now) == .defer(until: now.addingTimeInterval(600)))
        #expect(policy.decide(class: .transient, attempt: 2, firstAttemptAt: start, now: start.addingTimeInterval(6 * 86400)) == .expire)
    }

    /// A broken connection defers every recipient of the session (it counts as an
    /// attempt); a certificate problem pauses the account instead.
    @Test(arguments: [
        (SMTPError.Kind.connectionRefused, true), (.connectTimeout, true), (.connectionClosed, true), (.timeout(after: .seconds(30)), true),
        (.tlsHandshakeFailed(detail: "reset"), true), (.certificateInvalid(detail: "self-signed"), false), (.startTLSNotOffered, false),
    ])
    func sessionFailures(kind: SMTPError.Kind, deferred: Bool) {
        let error = SMTPError(kind: kind, stage: .connect, server: "relay.example:587")
        let classification = ReplyClassifier.standard.classify(error)
        let decision = policy.decide(classification, attempt: 1, firstAttemptAt: start, now: start, detail: "\(error)")
        if deferred {
            #expect(decision == .defer(until: start.addingTimeInterval(300)))
        } else {
            guard case .pauseAccount(let reason) = decision else {
                Issue.record("expected a pause, got \(decision)")
                return
            }
            #expect(reason.contains("classified account (rule session-"))
        }
    }
}
