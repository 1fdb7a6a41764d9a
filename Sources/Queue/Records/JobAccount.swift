/// One of the accounts a job sends through (a campaign may name several: failover).
public struct JobAccount: Hashable, Sendable {
    /// The account's name in maild's configuration.
    public var name: String
    /// Why this account no longer sends for the job (its credentials were refused, say); nil
    /// while it does. The job goes on through its other accounts until `mailctl resume`.
    public var pausedBecause: String?

    public init(name: String, pausedBecause: String? = nil) {
        self.name = name
        self.pausedBecause = pausedBecause
    }
}

/// What taking an account out of its jobs did (``QueueStore/pauseAccount(_:reason:now:)``).
public struct AccountPauseResult: Hashable, Sendable {
    /// A job that goes on through its other accounts.
    public struct CarriedOn: Hashable, Sendable {
        public var jobID: Int64
        /// The accounts still sending for it, in the campaign's order.
        public var accounts: [String]

        public init(jobID: Int64, accounts: [String]) {
            self.jobID = jobID
            self.accounts = accounts
        }
    }

    /// Jobs that had no other account left, now paused.
    public var pausedJobs: [Int64] = []
    public var carriedOn: [CarriedOn] = []

    public init() {}
}
