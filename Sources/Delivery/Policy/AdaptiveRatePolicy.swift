import Foundation

/// AIMD for sending rates: a throttle reply multiplies a scope's effective rate by
/// `decrease` (halves it), and every clean `recoveryWindow` after the cool-down adds
/// `recoveryStep` of the configured rate back, until the configured limit holds again.
///
/// TCP's congestion control taught the shape: back off hard when the other side says it is
/// overloaded, probe back up slowly. A provider that just said "slow down" is judged on the
/// next minutes, so returning to full speed at once only earns the next 421.
public struct AdaptiveRatePolicy: Hashable, Sendable {
    /// The factor applied to the rate at each throttle reply.
    public var decrease: Double
    /// The rate never falls below this share of the configured one, so a scope always
    /// recovers in a bounded number of windows.
    public var floor: Double
    /// The share of the configured rate restored per clean window.
    public var recoveryStep: Double
    /// A window with no throttle reply that earns one step back.
    public var recoveryWindow: Duration

    public init(decrease: Double = DeliveryDefaults.adaptiveDecrease, floor: Double = DeliveryDefaults.adaptiveFloor,
                recoveryStep: Double = DeliveryDefaults.adaptiveRecoveryStep, recoveryWindow: Duration = DeliveryDefaults.adaptiveRecoveryWindow) {
        self.decrease = min(max(decrease, 0.01), 1)
        self.floor = min(max(floor, 0.001), 1)
        self.recoveryStep = min(max(recoveryStep, 0.001), 1)
        self.recoveryWindow = recoveryWindow > .zero ? recoveryWindow : DeliveryDefaults.adaptiveRecoveryWindow
    }

    public static let standard = AdaptiveRatePolicy()
}

/// One scope's adaptive rate, as the daemon persists it.
public struct AdaptiveRateState: Hashable, Sendable {
    /// The share of the configured rate in force: 1 is the full rate, 0.5 half of it.
    public var fraction: Double
    /// Clean windows are counted from here: the end of the last cool-down.
    public var recoveringFrom: Date
    /// For a scope with no configured rate: the rate it was sending at in the minute before
    /// the first throttle reply, which `fraction` then scales. Without it a throttle reply to
    /// an unlimited relay could only pause it, never slow it down.
    public var learnedRate: RateLimit?

    public init(fraction: Double, recoveringFrom: Date, learnedRate: RateLimit? = nil) {
        self.fraction = fraction
        self.recoveringFrom = recoveringFrom
        self.learnedRate = learnedRate
    }
}

/// A change of a scope's throttle, for the log and `mailctl status`.
public struct ThrottleAdjustment: Hashable, Sendable, CustomStringConvertible {
    public var scope: ThrottleScope
    /// The share of the configured rate now in force.
    public var fraction: Double
    /// The end of the cool-down or quota pause, nil when the scope may send.
    public var suspendedUntil: Date?
    public var reason: String

    public init(scope: ThrottleScope, fraction: Double, suspendedUntil: Date?, reason: String) {
        self.scope = scope
        self.fraction = fraction
        self.suspendedUntil = suspendedUntil
        self.reason = reason
    }

    public var description: String {
        var text = fraction < 1 ? "\(scope): rate at \(Int((fraction * 100).rounded()))%" : "\(scope): full rate"
        if let suspendedUntil { text += ", paused until \(suspendedUntil.formatted(.iso8601))" }
        return text + " (\(reason))"
    }
}
