/// Where a job is in its life. Stored as its raw value in `jobs.state`.
public enum JobState: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Recipients are still being uploaded: invisible to list and status, deleted at startup.
    case staging
    /// Committed and waiting for the scheduler to start it.
    case queued
    /// Committed with `send_at` in the future.
    case scheduled
    case running
    /// Stopped by an operator or by an account failure; `pause_reason` says why.
    case paused
    /// Every recipient is sent, failed, skipped or cancelled.
    case completed
    case cancelled

    /// Completed and cancelled jobs never send again (until retry-failed reopens a completed one).
    public var isFinished: Bool { self == .completed || self == .cancelled }

    public var description: String { rawValue }
}
