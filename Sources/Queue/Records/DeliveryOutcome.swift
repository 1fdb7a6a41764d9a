import Foundation

/// The result of one attempt for one claimed recipient, as a worker hands it to the queue.
public struct DeliveryOutcome: Hashable, Sendable {
    /// What the recipient becomes.
    public enum Transition: Hashable, Sendable {
        case sent
        /// Transient failure: retry at `until`; the attempt counts.
        case deferred(until: Date)
        /// Permanent failure for this message; the address is kept.
        case failed
        /// Throttled or account-paused: back to pending, the attempt is not counted.
        case requeued
        /// Hard bounce: fail and add the address to the suppression list.
        case suppressAndFail
    }

    public var recipientID: Int64
    public var jobID: Int64
    public var account: String
    public var provider: String
    public var attempt: AttemptInfo
    public var transition: Transition
    /// Whether this attempt goes into the send log behind rolling-window throttles. By default
    /// only messages the provider accepted count, which is what providers' quotas count.
    public var countsTowardLimits: Bool
    /// The send as the daemon's throttles counted it, written to the send log with the outcome
    /// (whatever `countsTowardLimits` says), so it survives whatever the outcome survives.
    public var sendLog: QueueStore.SendLogEntry?

    public init(recipientID: Int64, jobID: Int64, account: String, provider: String, attempt: AttemptInfo,
                transition: Transition, countsTowardLimits: Bool? = nil) {
        self.recipientID = recipientID
        self.jobID = jobID
        self.account = account
        self.provider = provider
        self.attempt = attempt
        self.transition = transition
        self.countsTowardLimits = countsTowardLimits ?? (transition == .sent)
    }
}
