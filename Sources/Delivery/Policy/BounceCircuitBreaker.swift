/// Stops a job whose recipients bounce or reject too often.
///
/// A list with many dead addresses (bought, stale, a mistyped column) gets the sending
/// account blocked long before the job ends; stopping early keeps the account usable. The
/// breaker judges the first `minimumOutcomes` outcomes once they are all known, and then
/// every sliding window of the last `window` outcomes, so a bad stretch in the middle of a
/// long job (a second list appended) trips too.
///
/// Only final outcomes count: success, bounce and reject. Transient failures and throttles
/// are not outcomes yet (the recipient is retried), and account failures pause the job by
/// themselves.
public struct BounceCircuitBreaker: Sendable, Equatable {
    public let threshold: Double
    public let minimumOutcomes: Int
    public let window: Int

    /// Why the breaker tripped; `reason` is written for the operator.
    public struct Trip: Hashable, Sendable, CustomStringConvertible {
        public var failures: Int
        public var outcomes: Int
        /// True when judged over the first outcomes, false for a sliding window.
        public var firstOutcomes: Bool
        public var reason: String
        public var description: String { reason }
    }

    public private(set) var trip: Trip?
    /// Final outcomes seen.
    public private(set) var outcomeCount = 0
    private var failuresInFirst = 0
    /// The last `window` outcomes as a ring, true for a bounce or reject.
    private var recent: [Bool] = []
    private var recentNext = 0
    private var failuresInRecent = 0

    public init(threshold: Double = DeliveryDefaults.breakerThreshold, minimumOutcomes: Int = DeliveryDefaults.breakerMinimumOutcomes,
                window: Int = DeliveryDefaults.breakerWindow) throws {
        guard threshold >= 0, threshold < 1 else {
            throw DeliveryPolicyError.invalidSetting(name: "bounce threshold", value: "\(threshold)", expected: "a share from 0 up to (not including) 1, e.g. 0.2")
        }
        guard minimumOutcomes >= 1 else { throw DeliveryPolicyError.invalidSetting(name: "bounce minimum outcomes", value: "\(minimumOutcomes)", expected: "at least 1") }
        guard window >= 1 else { throw DeliveryPolicyError.invalidSetting(name: "bounce window", value: "\(window)", expected: "at least 1") }
        self.threshold = threshold
        self.minimumOutcomes = minimumOutcomes
        self.window = window
    }

    /// Replays persisted outcome classes (after a restart), in the order they happened.
    public init(threshold: Double = DeliveryDefaults.breakerThreshold, minimumOutcomes: Int = DeliveryDefaults.breakerMinimumOutcomes,
                window: Int = DeliveryDefaults.breakerWindow, replaying outcomes: [ReplyClass]) throws {
        try self.init(threshold: threshold, minimumOutcomes: minimumOutcomes, window: window)
        for outcome in outcomes { record(outcome) }
    }

    /// Restores a long job's breaker (after a restart) from the first `minimumOutcomes` outcomes,
    /// judged as they were, the last `window` (the sliding window now) and how many there were
    /// in all, without reading the whole history. Trips if those outcomes call for it: maild
    /// may have stopped between an outcome and the pause it should have caused.
    public init(threshold: Double = DeliveryDefaults.breakerThreshold, minimumOutcomes: Int = DeliveryDefaults.breakerMinimumOutcomes,
                window: Int = DeliveryDefaults.breakerWindow, first: [ReplyClass], last: [ReplyClass], total: Int) throws {
        try self.init(threshold: threshold, minimumOutcomes: minimumOutcomes, window: window, replaying: first)
        guard !last.isEmpty else { return }
        recent = last.suffix(window).map { $0 == .bounce || $0 == .reject }
        recentNext = 0
        failuresInRecent = recent.filter { $0 }.count
        outcomeCount = max(outcomeCount, total)
        if trip == nil, outcomeCount > minimumOutcomes, exceeds(failuresInRecent, of: recent.count) {
            trip = Trip(failures: failuresInRecent, outcomes: recent.count, firstOutcomes: false,
                        reason: "\(failuresInRecent) of the last \(recent.count) outcomes were bounces or rejects (threshold \(thresholdText))")
        }
    }

    /// Feeds one outcome; returns the trip when the breaker is (or already was) tripped.
    @discardableResult
    public mutating func record(_ replyClass: ReplyClass) -> Trip? {
        let failed: Bool
        switch replyClass {
        case .success: failed = false
        case .bounce, .reject: failed = true
        case .transient, .throttle, .account: return trip
        }
        outcomeCount += 1
        if outcomeCount <= minimumOutcomes, failed { failuresInFirst += 1 }
        if recent.count < window {
            recent.append(failed)
        } else {
            if recent[recentNext] { failuresInRecent -= 1 }
            recent[recentNext] = failed
            recentNext = (recentNext + 1) % window
        }
        if failed { failuresInRecent += 1 }
        guard trip == nil else { return trip }
        if outcomeCount == minimumOutcomes, exceeds(failuresInFirst, of: minimumOutcomes) {
            trip = Trip(failures: failuresInFirst, outcomes: minimumOutcomes, firstOutcomes: true,
                        reason: "\(failuresInFirst) of the first \(minimumOutcomes) outcomes were bounces or rejects (threshold \(thresholdText))")
        } else if outcomeCount > minimumOutcomes, exceeds(failuresInRecent, of: recent.count) {
            trip = Trip(failures: failuresInRecent, outcomes: recent.count, firstOutcomes: false,
                        reason: "\(failuresInRecent) of the last \(recent.count) outcomes were bounces or rejects (threshold \(thresholdText))")
        }
        return trip
    }

    /// Closes the breaker again (`mailctl resume` after the list was cleaned), keeping the
    /// history so the same window does not trip again at once... unless it is still bad.
    public mutating func reset() { trip = nil }

    private func exceeds(_ failures: Int, of outcomes: Int) -> Bool {
        outcomes > 0 && Double(failures) > threshold * Double(outcomes)
    }

    /// 0.2 -> "20%", 0.125 -> "12.5%".
    private var thresholdText: String {
        let percent = (threshold * 1000).rounded() / 10
        return percent == percent.rounded() ? "\(Int(percent))%" : "\(percent)%"
    }
}
