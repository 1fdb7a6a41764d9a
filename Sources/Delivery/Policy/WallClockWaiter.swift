import Foundation

/// Sleeps on an injected clock until a wall-clock instant that a policy returned
/// (`earliestSend`, `.defer(until:)`, a suspension's end).
///
/// Policies speak `Date` because their instants are persisted and must mean the same after
/// a restart; waiting is done on a `Clock` so tests drive it with swift-clocks' `TestClock`
/// instead of sleeping, and the daemon uses `ContinuousClock`.
public struct WallClockWaiter<C: Clock>: Sendable where C.Duration == Duration, C: Sendable {
    public let clock: C
    /// The wall clock; in tests, derived from the test clock.
    public let now: @Sendable () -> Date

    public init(clock: C, now: @escaping @Sendable () -> Date) {
        self.clock = clock
        self.now = now
    }

    /// Returns at once for an instant not in the future; throws `CancellationError` when
    /// the task is cancelled while waiting.
    public func sleep(until instant: Date) async throws {
        let milliseconds = (instant.timeIntervalSince(now()) * 1000).rounded(.up)
        guard milliseconds > 0 else { return }
        try await clock.sleep(until: clock.now.advanced(by: .milliseconds(Int64(milliseconds))), tolerance: nil)
    }
}

extension WallClockWaiter where C == ContinuousClock {
    /// The system clocks, for the daemon.
    public static var system: WallClockWaiter<ContinuousClock> { WallClockWaiter(clock: ContinuousClock(), now: { Date() }) }
}
