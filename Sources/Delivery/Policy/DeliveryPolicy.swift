import Foundation

/// The glue between a classified reply and the queue: one function from (class, attempt,
/// times) to what happens to the recipient, following `DeliveryAction`.
///
/// Session failures go through the same function: `ReplyClassifier.classify(_ error:)`
/// turns connection, timeout and TLS failures into `transient`, so every recipient of the
/// broken session is deferred with backoff (the attempt counts; the queue lifetime ends a
/// relay that never comes back), and configuration failures into `account`.
public struct DeliveryPolicy: Sendable {
    public var retry: RetryPolicy
    public var jitter: JitterSource

    public init(retry: RetryPolicy = .standard, jitter: JitterSource = .system) {
        self.retry = retry
        self.jitter = jitter
    }

    /// The decision for a recipient whose attempt number `attempt` (1 for the first) ended
    /// with a reply or failure of `replyClass`. `reason` (the reply text or the error) goes
    /// into the pause reason.
    public func decide(class replyClass: ReplyClass, attempt: Int, firstAttemptAt: Date, now: Date, reason: String? = nil) -> RecipientDecision {
        switch DeliveryAction(for: replyClass) {
        case .recordSent:
            return .sent
        case .deferWithBackoff:
            switch retry.decision(afterAttempt: attempt, firstAttemptAt: firstAttemptAt, now: now, jitter: jitter) {
            case .retry(let at): return .defer(until: at)
            case .expire: return .expire
            }
        case .throttleAndRequeue:
            return .requeue
        case .failAndSuppress:
            return .failAndSuppress
        case .fail:
            return .fail
        case .pauseAccount:
            return .pauseAccount(reason: reason ?? "the relay refused the account")
        }
    }

    /// The decision for a classification, with the rule in the pause reason.
    public func decide(_ classification: Classification, attempt: Int, firstAttemptAt: Date, now: Date, detail: String? = nil) -> RecipientDecision {
        let reason = [detail, "classified \(classification)"].compactMap { $0 }.joined(separator: "; ")
        return decide(class: classification.replyClass, attempt: attempt, firstAttemptAt: firstAttemptAt, now: now, reason: reason)
    }
}
