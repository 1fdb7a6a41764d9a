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
}
