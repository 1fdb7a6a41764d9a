import Foundation

/// A recipient a worker now owns (state `sending`) until it records an outcome or releases it.
public struct ClaimedRecipient: Hashable, Sendable {
    public var id: Int64
    public var jobID: Int64
    public var address: String
    public var domain: String
    public var name: String?
    public var variables: String?
    /// Attempts already spent, before this one.
    public var attempts: Int
    /// When the first attempt was made, nil before any: the retry policy's maximum age counts
    /// from it, not from the job's creation (a job scheduled days ahead, or a list spread over
    /// days by a daily cap, must not expire a recipient at its first greylisting).
    public var firstAttemptAt: Date?

    public init(id: Int64, jobID: Int64, address: String, domain: String, name: String? = nil, variables: String? = nil,
                attempts: Int, firstAttemptAt: Date? = nil) {
        self.id = id
        self.jobID = jobID
        self.address = address
        self.domain = domain
        self.name = name
        self.variables = variables
        self.attempts = attempts
        self.firstAttemptAt = firstAttemptAt
    }
}
