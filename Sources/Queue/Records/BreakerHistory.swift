/// A job's final outcome classes as the attempts table has them (``QueueStore/breakerOutcomes(jobID:first:last:)``).
public struct BreakerHistory: Hashable, Sendable {
    /// How many final outcomes there were in all.
    public var total: Int
    /// The first ones, in order (all of them when `last` is empty).
    public var first: [String]
    /// The last ones, in order; empty when `first` holds them all.
    public var last: [String]

    public init(total: Int, first: [String], last: [String]) {
        self.total = total
        self.first = first
        self.last = last
    }
}
