import Foundation

/// Every delivery-policy knob an operator can set, with its default, in one place.
///
/// docs/delivery.md explains each value and why it was chosen; keep the two in step. The
/// defaults follow Postfix where Postfix has an equivalent (`minimal_backoff_time` 300s,
/// `maximal_backoff_time` 4000s, `maximal_queue_lifetime` 5d) because its values have held up
/// for decades of real traffic, and KumoMTA for provider-level shaping.
public enum DeliveryDefaults {
    // MARK: Retry backoff (RetryPolicy)

    /// The ceiling of the first retry's delay: Postfix's `minimal_backoff_time`. A transient
    /// failure (greylisting, a full mailbox, a restarting relay) rarely clears in seconds,
    /// and greylisting usually wants at least a few minutes.
    public static let retryBase: Duration = .seconds(5 * 60)
    /// Each failure doubles the ceiling: 5m, 10m, 20m, 40m, then the cap.
    public static let retryFactor: Double = 2
    /// No retry waits longer than this: close to Postfix's `maximal_backoff_time` (4000s),
    /// so a recipient whose problem clears is retried within the hour.
    public static let retryCap: Duration = .seconds(60 * 60)
    /// Full jitter may draw zero; retrying a 4xx at once only repeats it, so never sooner.
    public static let retryMinimumDelay: Duration = .seconds(60)
    /// Give up after this many attempts. A backstop: with the defaults above the queue
    /// lifetime normally decides first (about 240 attempts fit in 5 days at the cap).
    public static let retryMaxAttempts = 300
    /// Give up when the first attempt is this old: Postfix's `maximal_queue_lifetime`, and
    /// the point after which a campaign message is usually stale anyway.
    public static let retryMaxAge: Duration = .seconds(5 * 86400)

    // MARK: Adaptive suspension on throttle replies (SuspensionPolicy)

    /// The first suspension after a throttle reply.
    public static let suspensionInitial: Duration = .seconds(60)
    /// Each further throttle while the streak lasts doubles the suspension...
    public static let suspensionFactor: Double = 2
    /// ...up to an hour, the period most providers' rate windows use.
    public static let suspensionCap: Duration = .seconds(60 * 60)
    /// A throttle that comes this long after the previous suspension ended starts a new
    /// streak at `suspensionInitial`.
    public static let suspensionQuietPeriod: Duration = .seconds(30 * 60)
    /// This many successes in a row after a suspension ended also end the streak early.
    public static let suspensionSuccessesToReset = 20

    // MARK: Adaptive rate on throttle replies (AdaptiveRatePolicy, AIMD)

    /// A throttle reply halves the scope's effective rate (multiplicative decrease)...
    public static let adaptiveDecrease: Double = 0.5
    /// ...but never below 1/64 of the configured rate, so recovery takes a bounded time.
    public static let adaptiveFloor: Double = 1.0 / 64
    /// Each clean window after the cool-down restores 1/8 of the configured rate (additive
    /// increase): from half rate to full in four clean windows.
    public static let adaptiveRecoveryStep: Double = 0.125
    /// A minute without a throttle reply is a clean window: the period providers' short
    /// rate counters use.
    public static let adaptiveRecoveryWindow: Duration = .seconds(60)

    // MARK: Daily quotas

    /// A quota reply pauses the account until the oldest send of the last day leaves the
    /// window; with no send on record, this long.
    public static let quotaWindow: Duration = .seconds(86_400)

    // MARK: Bounce circuit breaker (BounceCircuitBreaker)

    /// Trip when more than this share of outcomes are bounces or rejects. Mailbox providers
    /// start filtering far below this, so 20% means the list itself is bad (bought, stale,
    /// mistyped column), and sending on would burn the account's reputation.
    public static let breakerThreshold: Double = 0.20
    /// The share is judged once this many outcomes are known (the first N of a job)...
    public static let breakerMinimumOutcomes = 100
    /// ...and afterwards over a sliding window of the last M outcomes, so a bad stretch in
    /// the middle of a long job also trips.
    public static let breakerWindow = 500

    // MARK: Sessions

    /// Messages over one SMTP session before it is closed and a new one opened, unless the
    /// account or its preset says otherwise: long enough that the connection set-up (TLS,
    /// AUTH) is paid rarely, short enough that a relay which degrades a long session (or
    /// counts per connection) sees a fresh one now and then.
    public static let messagesPerConnection = 100

    // MARK: Rate limits

    /// The largest count one rate limit may have: the limiter remembers that many send
    /// instants, so this bounds its memory (8 bytes each).
    public static let rateLimitMaximumCount = 1_000_000
}

extension Duration {
    /// The duration in (fractional) seconds, for `Date` arithmetic.
    var policySeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole milliseconds, rounded down; the precision the daemon persists.
    var policyMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension Date {
    /// Unix milliseconds, rounded down: how the daemon persists instants, so values that went
    /// through the database compare equal to the ones that did not.
    var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }
}
