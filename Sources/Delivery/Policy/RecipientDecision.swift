import Foundation

/// What the queue does with one recipient after an attempt: the policy's answer, which the
/// daemon records and acts on.
public enum RecipientDecision: Hashable, Sendable, CustomStringConvertible {
    /// Delivered (accepted by the relay).
    case sent
    /// Transient failure: retry at the given instant; the attempt counted.
    case `defer`(until: Date)
    /// Out of attempts or past the queue lifetime: fail the recipient as expired.
    case expire
    /// Throttled: put the recipient back without spending an attempt; the throttle scope's
    /// suspension decides when it goes again.
    case requeue
    /// The address cannot receive mail: fail it and add it to the suppression list.
    case failAndSuppress
    /// Permanent for this message only: fail the recipient, keep the address.
    case fail
    /// The account is refused or misconfigured: pause every job using it, keep the
    /// recipient pending.
    case pauseAccount(reason: String)

    public var description: String {
        switch self {
        case .sent: return "sent"
        case .defer(let until): return "defer until \(until.formatted(.iso8601))"
        case .expire: return "expire"
        case .requeue: return "requeue"
        case .failAndSuppress: return "fail and suppress"
        case .fail: return "fail"
        case .pauseAccount(let reason): return "pause account: \(reason)"
        }
    }
}
