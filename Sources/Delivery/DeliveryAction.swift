/// What the queue does with a recipient after a reply of each class.
///
/// One place that names the consequence, so that `mailctl classify`, the logs and the
/// delivery workers say and do the same thing.
public enum DeliveryAction: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case recordSent = "record-sent"
    case deferWithBackoff = "defer"
    case throttleAndRequeue = "throttle"
    case failAndSuppress = "fail-and-suppress"
    case fail = "fail"
    case pauseAccount = "pause-account"

    public init(for replyClass: ReplyClass) {
        switch replyClass {
        case .success: self = .recordSent
        case .transient: self = .deferWithBackoff
        case .throttle: self = .throttleAndRequeue
        case .bounce: self = .failAndSuppress
        case .reject: self = .fail
        case .account: self = .pauseAccount
        }
    }

    /// The action in an operator's words.
    public var explanation: String {
        switch self {
        case .recordSent: return "record the recipient as sent"
        case .deferWithBackoff: return "defer the recipient and retry with exponential backoff (counts as an attempt)"
        case .throttleAndRequeue: return "slow down the provider or account and requeue the message (no attempt spent)"
        case .failAndSuppress: return "fail the recipient and add the address to the suppression list"
        case .fail: return "fail the recipient for this message (the address is kept)"
        case .pauseAccount: return "pause every job using the account; recipients stay pending until `mailctl resume`"
        }
    }

    public var description: String { rawValue }
}
