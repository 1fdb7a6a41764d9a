import Foundation

/// How long a scope stops sending after a throttle reply: a first suspension that doubles
/// while throttles keep coming, up to a cap, and starts over after a quiet period.
///
/// Backing off harder while a provider keeps saying "slow down" is what makes it stop
/// saying it; going straight to the cap on the first 421 would stall a job for an hour on
/// one overloaded MX.
public struct SuspensionPolicy: Hashable, Sendable {
    public var initial: Duration
    public var factor: Double
    public var cap: Duration
    /// A throttle arriving later than this after the previous suspension ended starts a new
    /// streak: the scope sent quietly for that long, so the provider had recovered.
    public var quietPeriod: Duration
    /// Consecutive successes after the suspension ended that also end the streak.
    public var successesToReset: Int

    public init(initial: Duration = DeliveryDefaults.suspensionInitial, factor: Double = DeliveryDefaults.suspensionFactor,
                cap: Duration = DeliveryDefaults.suspensionCap, quietPeriod: Duration = DeliveryDefaults.suspensionQuietPeriod,
                successesToReset: Int = DeliveryDefaults.suspensionSuccessesToReset) {
        self.initial = initial
        self.factor = max(factor, 1)
        self.cap = max(cap, initial)
        self.quietPeriod = quietPeriod
        self.successesToReset = max(successesToReset, 1)
    }

    public static let standard = SuspensionPolicy()

    /// The suspension for the `streak`-th throttle in a row (1 for the first).
    public func suspension(forStreak streak: Int) -> Duration {
        let seconds = min(cap.policySeconds, initial.policySeconds * pow(factor, Double(max(streak, 1) - 1)))
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// A scope's suspension, as the daemon persists it (instants as Unix ms).
public struct SuspensionState: Hashable, Sendable {
    /// Throttles in the current streak.
    public var streak: Int
    public var suspendedUntil: Date
    public var lastThrottleAt: Date
    /// Successes in a row since the suspension ended.
    public var successesSinceResume: Int
    /// Why: the rule that set the suspension, or "adaptive".
    public var reason: String

    public init(streak: Int, suspendedUntil: Date, lastThrottleAt: Date, successesSinceResume: Int = 0, reason: String = "adaptive") {
        self.streak = streak
        self.suspendedUntil = suspendedUntil
        self.lastThrottleAt = lastThrottleAt
        self.successesSinceResume = successesSinceResume
        self.reason = reason
    }
}

/// A reply text that sets a fixed suspension, like KumoMTA's automation: "suspend for one
/// hour when Gmail says 'unusual rate'". Providers that say this mean it; retrying in a
/// minute only extends the block.
public struct SuspensionRule: Sendable, Equatable {
    public var name: String
    /// The scope the rule watches; nil for every scope.
    public var scope: ThrottleScope?
    public var pattern: ReplyTextPattern
    public var duration: Duration

    public init(name: String, scope: ThrottleScope?, pattern: String, duration: Duration) throws {
        do {
            self.pattern = try ReplyTextPattern(pattern)
        } catch {
            throw DeliveryPolicyError.invalidSetting(name: "suspension rule \(name) pattern", value: pattern, expected: "a regular expression (\(error))")
        }
        self.name = name
        self.scope = scope
        self.duration = duration
    }

    public func matches(scope: ThrottleScope, replyText: String) -> Bool {
        (self.scope == nil || self.scope == scope) && pattern.matches(replyText)
    }
}
