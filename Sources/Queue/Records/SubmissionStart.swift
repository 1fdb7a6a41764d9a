/// The answer to `beginSubmission`.
public enum SubmissionStart: Hashable, Sendable {
    /// A new staging job: append recipients to it, then commit or abandon it.
    case started(jobID: Int64)
    /// The idempotency key belongs to a job already committed: nothing to upload, report it.
    case replay(JobRecord)
}

/// What one `appendRecipients` chunk did.
public struct AppendResult: Hashable, Sendable {
    public var inserted: Int
    /// Addresses already in the job (in this chunk or an earlier one), dropped.
    public var duplicates: Int

    public init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}
