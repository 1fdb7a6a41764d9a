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
    /// Sends reserved but not yet completed, by their provisional instant (a multiset). The
    /// receiver sees a message some time between its reservation and its completion, so a
    /// limit can only be kept on the receiver's clock if a send still on the wire counts as
    /// happening now: see `complete(reservedAt:at:)`.
    private var inFlight: [Int64: Int] = [:]

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
        let earliest = earliestMilliseconds(now: now.unixMilliseconds)
        return earliest <= now.unixMilliseconds ? now : Date(unixMilliseconds: earliest)
    }

    /// True when a send at `now` keeps every limit.
    public func allows(now: Date) -> Bool { earliestMilliseconds(now: now.unixMilliseconds) <= now.unixMilliseconds }

    /// Notes a send. Sends normally arrive in order; an older instant (a late report from a
    /// worker) is inserted in place so the windows stay exact. With `inFlight`, the send is a
    /// reservation whose real instant `complete(reservedAt:at:)` will give.
    public mutating func record(at instant: Date, inFlight: Bool = false) {
        guard capacity > 0 else { return }
        if inFlight { self.inFlight[instant.unixMilliseconds, default: 0] += 1 }
        insert(instant.unixMilliseconds)
    }

    /// The reserved send at `reservedAt` finished at `instant` (the relay's final reply):
    /// from now on it counts there, the latest moment the receiver can have seen it. So a
    /// limit of N per W holds on the receiver's clock too, not only on maild's.
    public mutating func complete(reservedAt: Date, at instant: Date) {
        let reserved = reservedAt.unixMilliseconds
        guard let pending = inFlight[reserved] else { return }
        inFlight[reserved] = pending > 1 ? pending - 1 : nil
        if let index = sends.lastIndex(of: reserved) { sends.remove(at: index) }
        // Rounded up: the receiver saw the message before this instant, never after it.
        let completed = Int64((instant.timeIntervalSince1970 * 1000).rounded(.up))
        insert(max(completed, reserved))
    }

    private mutating func insert(_ ms: Int64) {
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

    /// The same sends under other limits (a reload, an adaptive rate change). Sends still in
    /// flight stay in flight, so their completion moves them as before instead of being lost
    /// (and the window then undercounting them). `completedHistory`, when given, replaces the
    /// completed sends: the send log remembers more than this limiter did when the new limits
    /// need more (a larger count, or limits where there were none).
    public func withLimits(_ newLimits: [RateLimit], completedHistory: [Date]? = nil) -> RollingWindowLimiter {
        var limiter = RollingWindowLimiter(limits: newLimits)
        if let completedHistory {
            for instant in completedHistory { limiter.record(at: instant) }
        } else {
            var stillInFlight = inFlight
            for ms in sends {
                if let count = stillInFlight[ms] {
                    stillInFlight[ms] = count > 1 ? count - 1 : nil
                    continue
                }
                limiter.record(at: Date(unixMilliseconds: ms))
            }
        }
        for (ms, count) in inFlight {
            for _ in 0..<count { limiter.record(at: Date(unixMilliseconds: ms), inFlight: true) }
        }
        return limiter
    }

    /// Sends recorded in the window of length `window` ending at `now` (inclusive of now),
    /// for status displays. Only exact up to the largest count among the limits.
    public func sendCount(in window: Duration, endingAt now: Date) -> Int {
        let end = now.unixMilliseconds
        let start = end - window.policyMilliseconds
        return sends.reduce(0) { $0 + ($1 > start && $1 <= end ? 1 : 0) }
    }

    private func earliestMilliseconds(now: Int64) -> Int64 {
        var earliest = Int64.min
        for limit in limits where sends.count >= limit.count {
            let oldest = sends[sends.count - limit.count]
            // A send still on the wire may reach the receiver at any moment: it counts as now.
            let counted = inFlight[oldest] != nil ? max(oldest, now) : oldest
            earliest = max(earliest, counted + limit.per.policyMilliseconds)
        }
        return earliest
    }
}
