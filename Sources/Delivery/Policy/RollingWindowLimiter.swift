import Foundation

/// Several sliding-window rate limits at once, enforced exactly.
///
/// The limiter keeps the instants of the last sends (as many as the largest count among its
/// limits, so memory is bounded) and allows a send at t when, for every limit of `count`
/// per `window`, the send `count` places back happened at least `window` before t. That
/// rule holds every window, not only aligned ones: a limit of 1/8m sends exactly one message
/// in every 8-minute window and never two. The smallest limit wins at every instant because
/// the earliest allowed instant is the latest of the limits' own earliest instants.
///
/// Instants are kept in whole Unix milliseconds, the precision the daemon persists, so a
/// limiter rebuilt from the database (`init(limits:history:)`) decides exactly as the one
/// before the restart did.
public struct RollingWindowLimiter: Sendable, Equatable {
    public let limits: [RateLimit]
    /// Ascending Unix milliseconds of the most recent sends, at most `capacity` of them.
    private var sends: [Int64] = []
    private let capacity: Int

    public init(limits: [RateLimit], history: [Date] = []) {
        self.limits = limits
        self.capacity = limits.map(\.count).max() ?? 0
        for instant in history { record(at: instant) }
    }

    /// The recorded send instants the limits still need, oldest first: what the daemon
    /// persists to survive a restart.
    public var history: [Date] { sends.suffix(capacity).map(Date.init(unixMilliseconds:)) }

    /// `now` when a send may go now; otherwise the earliest instant every limit allows one.
    public func nextAllowed(now: Date) -> Date {
        let earliest = earliestMilliseconds()
        return earliest <= now.unixMilliseconds ? now : Date(unixMilliseconds: earliest)
    }

    /// True when a send at `now` keeps every limit.
    public func allows(now: Date) -> Bool { earliestMilliseconds() <= now.unixMilliseconds }

    /// Notes a send. Sends normally arrive in order; an older instant (a late report from a
    /// worker) is inserted in place so the windows stay exact.
    public mutating func record(at instant: Date) {
        guard capacity > 0 else { return }
        let ms = instant.unixMilliseconds
        if let last = sends.last, ms < last {
            var low = 0, high = sends.count
            while low < high {
                let middle = (low + high) / 2
                if sends[middle] <= ms { low = middle + 1 } else { high = middle }
            }
            sends.insert(ms, at: low)
        } else {
            sends.append(ms)
        }
        // Trimming in batches keeps `record` amortized O(1) instead of O(capacity).
        if sends.count >= 2 * capacity || (sends.count > capacity && capacity < 64) {
            sends.removeFirst(sends.count - capacity)
        }
    }

    /// Sends recorded in the window of length `window` ending at `now` (inclusive of now),
    /// for status displays. Only exact up to the largest count among the limits.
    public func sendCount(in window: Duration, endingAt now: Date) -> Int {
        let end = now.unixMilliseconds
        let start = end - window.policyMilliseconds
        return sends.reduce(0) { $0 + ($1 > start && $1 <= end ? 1 : 0) }
    }

    private func earliestMilliseconds() -> Int64 {
        var earliest = Int64.min
        for limit in limits where sends.count >= limit.count {
            earliest = max(earliest, sends[sends.count - limit.count] + limit.per.policyMilliseconds)
        }
        return earliest
    }
}
