/// How many recipients of a job are in each state.
public struct RecipientCounts: Hashable, Sendable {
    public var pending = 0
    public var sending = 0
    public var sent = 0
    public var deferred = 0
    public var failed = 0
    public var skipped = 0
    public var cancelled = 0

    public init() {}

    public var total: Int { pending + sending + sent + deferred + failed + skipped + cancelled }
    /// Recipients that may still be sent.
    public var outstanding: Int { pending + sending + deferred }

    public subscript(state: RecipientState) -> Int {
        get {
            switch state {
            case .pending: pending
            case .sending: sending
            case .sent: sent
            case .deferred: deferred
            case .failed: failed
            case .skipped: skipped
            case .cancelled: cancelled
            }
        }
        set {
            switch state {
            case .pending: pending = newValue
            case .sending: sending = newValue
            case .sent: sent = newValue
            case .deferred: deferred = newValue
            case .failed: failed = newValue
            case .skipped: skipped = newValue
            case .cancelled: cancelled = newValue
            }
        }
    }
}
