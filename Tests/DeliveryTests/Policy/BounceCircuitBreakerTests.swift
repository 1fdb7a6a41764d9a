import Delivery
import Testing

struct BounceCircuitBreakerTests {
    private func outcomes(_ pattern: [(ReplyClass, Int)]) -> [ReplyClass] {
        pattern.flatMap { Array(repeating: $0.0, count: $0.1) }
    }

    @Test func tripsOnTheFirstOutcomesWithAnOperatorReason() throws {
        var breaker = try BounceCircuitBreaker(threshold: 0.2, minimumOutcomes: 100, window: 500)
        var trip: BounceCircuitBreaker.Trip?
        for outcome in outcomes([(.bounce, 30), (.success, 63), (.reject, 7)]) {
            #expect(trip == nil, "tripped before the first 100 were known")
            trip = breaker.record(outcome)
        }
        #expect(trip?.reason == "37 of the first 100 outcomes were bounces or rejects (threshold 20%)")
        #expect(trip?.firstOutcomes == true)
    }

    /// Exactly at the threshold is not past it.
    @Test func exactlyTheThresholdDoesNotTrip() throws {
        var breaker = try BounceCircuitBreaker(threshold: 0.2, minimumOutcomes: 100, window: 100)
        for outcome in outcomes([(.bounce, 20), (.success, 80)]) { breaker.record(outcome) }
        #expect(breaker.trip == nil)
    }

    /// Transient, throttle and account replies are not outcomes.
    @Test func pendingClassesAreNotCounted() throws {
        var breaker = try BounceCircuitBreaker(threshold: 0.5, minimumOutcomes: 4, window: 4)
        for outcome in outcomes([(.transient, 50), (.throttle, 50), (.account, 5), (.success, 2), (.bounce, 2)]) { breaker.record(outcome) }
        #expect(breaker.outcomeCount == 4)
        #expect(breaker.trip == nil)
    }

    /// A bad stretch after a clean start trips on the sliding window.
    @Test func tripsOnTheSlidingWindowLater() throws {
        var breaker = try BounceCircuitBreaker(threshold: 0.2, minimumOutcomes: 100, window: 200)
        for outcome in outcomes([(.success, 1000)]) { breaker.record(outcome) }
        var trip: BounceCircuitBreaker.Trip?
        var fed = 0
        while trip == nil, fed < 1000 {
            trip = breaker.record(fed % 2 == 0 ? .bounce : .success)
            fed += 1
        }
        // 41 bounces in the last 200 is the first count past 20%: after 81 alternating outcomes.
        #expect(fed == 81)
        #expect(trip?.reason == "41 of the last 200 outcomes were bounces or rejects (threshold 20%)")
    }

    @Test func replayingPersistedOutcomesGivesTheSameTrip() throws {
        let history = outcomes([(.success, 60), (.bounce, 15), (.success, 30), (.reject, 20)])
        var live = try BounceCircuitBreaker(threshold: 0.125, minimumOutcomes: 50, window: 60)
        for outcome in history { live.record(outcome) }
        let replayed = try BounceCircuitBreaker(threshold: 0.125, minimumOutcomes: 50, window: 60, replaying: history)
        #expect(replayed == live)
        #expect(live.trip?.reason.hasSuffix("(threshold 12.5%)") == true)
    }

    /// A breaker restored from the first outcomes, the last window and the count (what maild
    /// reads after a restart) answers every following outcome as the one that saw them all,
    /// for any history that had not tripped it.
    @Test func restoringFromTheEndsAnswersLikeTheFullHistory() throws {
        var generator = SeededGenerator(seed: 0x5eed_b4ea)
        let classes: [ReplyClass] = [.success, .success, .success, .success, .bounce, .reject, .transient]
        var compared = 0
        var fromTheEnds = 0
        for _ in 0..<400 {
            let minimum = Int.random(in: 1...12, using: &generator)
            let window = Int.random(in: 1...15, using: &generator)
            let history = (0..<Int.random(in: 0...80, using: &generator)).map { _ in classes.randomElement(using: &generator) ?? .success }
            var live = try BounceCircuitBreaker(threshold: 0.5, minimumOutcomes: minimum, window: window)
            for outcome in history { live.record(outcome) }
            guard live.trip == nil else { continue }
            let finals = history.filter { $0 != .transient }
            let restored: BounceCircuitBreaker
            if finals.count > minimum + window { fromTheEnds += 1 }
            if finals.count <= minimum + window {
                restored = try BounceCircuitBreaker(threshold: 0.5, minimumOutcomes: minimum, window: window, first: finals, last: [], total: finals.count)
            } else {
                restored = try BounceCircuitBreaker(threshold: 0.5, minimumOutcomes: minimum, window: window, first: Array(finals.prefix(minimum)),
                                                    last: Array(finals.suffix(window)), total: finals.count)
            }
            var copy = restored
            #expect(copy.trip == nil)
            for _ in 0..<40 {
                let next = classes.randomElement(using: &generator) ?? .bounce
                #expect(copy.record(next) == live.record(next), "history \(history), minimum \(minimum), window \(window)")
            }
            compared += 1
        }
        #expect(compared > 100 && fromTheEnds > 50, "compared \(compared), \(fromTheEnds) from the ends")
    }

    /// Restored with a bad last window (maild stopped before pausing the job): tripped at once.
    @Test func restoringABadWindowTrips() throws {
        let breaker = try BounceCircuitBreaker(threshold: 0.2, minimumOutcomes: 10, window: 10,
                                               first: Array(repeating: .success, count: 10),
                                               last: Array(repeating: .bounce, count: 3) + Array(repeating: .success, count: 7), total: 5_000)
        #expect(breaker.trip?.reason == "3 of the last 10 outcomes were bounces or rejects (threshold 20%)")
        #expect(breaker.outcomeCount == 5_000)
    }

    @Test(arguments: [(1.0, 10, 10), (-0.1, 10, 10), (0.2, 0, 10), (0.2, 10, 0)])
    func invalidSettingsAreRefused(threshold: Double, minimum: Int, window: Int) {
        #expect(throws: DeliveryPolicyError.self) { try BounceCircuitBreaker(threshold: threshold, minimumOutcomes: minimum, window: window) }
    }
}
