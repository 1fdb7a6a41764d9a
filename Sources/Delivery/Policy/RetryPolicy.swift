import Foundation

/// When to retry a recipient after a transient failure, and when to give up.
///
/// Exponential backoff with full jitter (AWS, "Exponential Backoff And Jitter", 2015): the
/// delay after attempt n is drawn from 0...min(cap, base * factor^(n-1)). Spreading retries
/// over the whole interval stops a batch that failed together (a relay restart) from
/// retrying together and failing together again. Unlike pure full jitter the delay never
/// drops below `minimumDelay`, because retrying an SMTP 4xx within seconds only repeats it.
public struct RetryPolicy: Sendable, Equatable {
    public var base: Duration
    public var factor: Double
    public var cap: Duration
    public var minimumDelay: Duration
    /// Attempts after which the recipient expires, whatever its age.
    public var maxAttempts: Int
    /// Age of the first attempt after which the recipient expires.
    public var maxAge: Duration

    public init(base: Duration = DeliveryDefaults.retryBase, factor: Double = DeliveryDefaults.retryFactor,
                cap: Duration = DeliveryDefaults.retryCap, minimumDelay: Duration = DeliveryDefaults.retryMinimumDelay,
                maxAttempts: Int = DeliveryDefaults.retryMaxAttempts, maxAge: Duration = DeliveryDefaults.retryMaxAge) throws {
        guard base > .zero else { throw DeliveryPolicyError.invalidSetting(name: "retry base", value: base.operatorDescription, expected: "more than 0s") }
        guard factor >= 1, factor.isFinite else { throw DeliveryPolicyError.invalidSetting(name: "retry factor", value: "\(factor)", expected: "a number of at least 1") }
        guard cap >= base else { throw DeliveryPolicyError.invalidSetting(name: "retry cap", value: cap.operatorDescription, expected: "at least the base (\(base.operatorDescription))") }
        guard minimumDelay >= .zero, minimumDelay <= cap else {
            throw DeliveryPolicyError.invalidSetting(name: "retry minimum delay", value: minimumDelay.operatorDescription, expected: "between 0s and the cap (\(cap.operatorDescription))")
        }
        guard maxAttempts >= 1 else { throw DeliveryPolicyError.invalidSetting(name: "retry max attempts", value: "\(maxAttempts)", expected: "at least 1") }
        guard maxAge > .zero else { throw DeliveryPolicyError.invalidSetting(name: "retry max age", value: maxAge.operatorDescription, expected: "more than 0s") }
        self.base = base
        self.factor = factor
        self.cap = cap
        self.minimumDelay = minimumDelay
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
    }

    /// The defaults of `DeliveryDefaults`, which are valid by construction.
    public static let standard = RetryPolicy(uncheckedBase: DeliveryDefaults.retryBase)

    private init(uncheckedBase base: Duration) {
        self.base = base
        self.factor = DeliveryDefaults.retryFactor
        self.cap = DeliveryDefaults.retryCap
        self.minimumDelay = DeliveryDefaults.retryMinimumDelay
        self.maxAttempts = DeliveryDefaults.retryMaxAttempts
        self.maxAge = DeliveryDefaults.retryMaxAge
    }

    /// What the queue does with a recipient whose attempt number `attempt` (1 for the first)
    /// just failed transiently.
    public enum Decision: Hashable, Sendable {
        case retry(at: Date)
        /// Out of attempts or too old: fail the recipient as expired.
        case expire
    }

    /// The ceiling of the jittered delay after attempt `attempt`, in seconds.
    public func delayCeiling(afterAttempt attempt: Int) -> Double {
        let exponent = Double(max(attempt, 1) - 1)
        // pow overflows to +inf for large exponents, which min() turns into the cap.
        return min(cap.policySeconds, base.policySeconds * pow(factor, exponent))
    }

    public func decision(afterAttempt attempt: Int, firstAttemptAt: Date, now: Date, jitter: JitterSource = .system) -> Decision {
        let deadline = firstAttemptAt.addingTimeInterval(maxAge.policySeconds)
        if attempt >= maxAttempts || now >= deadline { return .expire }
        let ceiling = delayCeiling(afterAttempt: attempt)
        let delay = max(minimumDelay.policySeconds, jitter.value(in: 0...ceiling))
        // One last attempt at the deadline rather than expiring a recipient that still had
        // time left; if that attempt fails too, `now >= deadline` expires it.
        return .retry(at: min(now.addingTimeInterval(delay), deadline))
    }
}
