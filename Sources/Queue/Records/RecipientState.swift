/// Where one recipient is. Stored as its raw value in `recipients.state`.
public enum RecipientState: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Waiting to be claimed.
    case pending
    /// Claimed by a worker; back to pending on release or after a crash.
    case sending
    case sent
    /// Waiting until `next_attempt_at` after a transient failure.
    case deferred
    /// Permanently failed; `last_class` and the reply say why.
    case failed
    /// Never attempted: suppressed or invalid at submission.
    case skipped
    /// Its job was cancelled before it was sent.
    case cancelled

    /// States from which a recipient may still be sent: a job is complete when none is left.
    public var isOutstanding: Bool { self == .pending || self == .sending || self == .deferred }

    public var description: String { rawValue }
}
