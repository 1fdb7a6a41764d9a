import Delivery
import Foundation
import Testing

struct RetryPolicyTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Ceilings double from the base until the cap: 5m, 10m, 20m, 40m, then 1h forever.
    @Test(arguments: [(1, 300.0), (2, 600), (3, 1200), (4, 2400), (5, 3600), (6, 3600), (40, 3600), (5000, 3600)])
    func ceilingGrowsToTheCap(attempt: Int, seconds: Double) {
        #expect(RetryPolicy.standard.delayCeiling(afterAttempt: attempt) == seconds)
    }

    /// Full jitter: the top of the range at fraction 1, the floor (not zero) at fraction 0.
    @Test(arguments: [(1, 1.0, 300.0), (3, 1.0, 1200), (3, 0.5, 600), (3, 0.0, 60), (1, 0.1, 60), (9, 0.25, 900)])
    func retryInstantFollowsTheJitterDraw(attempt: Int, fraction: Double, expectedDelay: Double) {
        let now = start.addingTimeInterval(3600)
        let decision = RetryPolicy.standard.decision(afterAttempt: attempt, firstAttemptAt: start, now: now, jitter: .fixed(fraction: fraction))
        #expect(decision == .retry(at: now.addingTimeInterval(expectedDelay)))
    }

    @Test func drawsStayInsideTheRangeWithTheSystemSource() {
        let policy = RetryPolicy.standard
        for attempt in 1...8 {
            for _ in 0..<200 {
                guard case .retry(let at) = policy.decision(afterAttempt: attempt, firstAttemptAt: start, now: start) else {
                    Issue.record("attempt \(attempt) expired")
                    return
                }
                let delay = at.timeIntervalSince(start)
                #expect(delay >= 60 && delay <= policy.delayCeiling(afterAttempt: attempt))
            }
        }
    }

    /// The draws spread over the range instead of clustering (the point of jitter): over
    /// 2,000 seeded draws every fifth of [0, ceiling] gets some.
    @Test func drawsSpreadOverTheRange() throws {
        let policy = try RetryPolicy(minimumDelay: .zero)
        let generator = LockedGenerator(seed: 7)
        let jitter = JitterSource { range in generator.draw(in: range) }
        var buckets = [Int](repeating: 0, count: 5)
        for _ in 0..<2000 {
            guard case .retry(let at) = policy.decision(afterAttempt: 4, firstAttemptAt: start, now: start, jitter: jitter) else { return }
            buckets[min(Int(at.timeIntervalSince(start) / 2400 * 5), 4)] += 1
        }
        #expect(buckets.allSatisfy { $0 > 300 }, "\(buckets)")
    }

    @Test func expiresAfterMaxAttempts() throws {
        let policy = try RetryPolicy(maxAttempts: 3)
        #expect(policy.decision(afterAttempt: 2, firstAttemptAt: start, now: start, jitter: .fixed(fraction: 1)) != .expire)
        #expect(policy.decision(afterAttempt: 3, firstAttemptAt: start, now: start, jitter: .fixed(fraction: 1)) == .expire)
    }

    @Test func expiresAtMaxAgeAndRetriesOnceMoreAtTheDeadline() {
        let policy = RetryPolicy.standard
        let deadline = start.addingTimeInterval(5 * 86400)
        // 10 minutes before the deadline a 1h draw is cut to the deadline: one last try.
        let late = deadline.addingTimeInterval(-600)
        #expect(policy.decision(afterAttempt: 30, firstAttemptAt: start, now: late, jitter: .fixed(fraction: 1)) == .retry(at: deadline))
        #expect(policy.decision(afterAttempt: 31, firstAttemptAt: start, now: deadline, jitter: .fixed(fraction: 1)) == .expire)
    }

    /// Postfix-like defaults: a recipient that keeps failing is retried for 5 days, then
    /// expires; every retry is 1 minute to 1 hour after the previous failure.
    @Test func simulatedRecipientIsRetriedForFiveDaysThenExpires() {
        let generator = LockedGenerator(seed: 42)
        let jitter = JitterSource { range in generator.draw(in: range) }
        var now = start
        var attempt = 1
        var gaps: [Double] = []
        while case .retry(let at) = RetryPolicy.standard.decision(afterAttempt: attempt, firstAttemptAt: start, now: now, jitter: jitter) {
            gaps.append(at.timeIntervalSince(now))
            now = at
            attempt += 1
        }
        #expect(now.timeIntervalSince(start) == 5 * 86400)
        #expect(gaps.allSatisfy { $0 > 0 && $0 <= 3600 })
        #expect((150...300).contains(attempt), "\(attempt) attempts")
    }

    @Test(arguments: ["retry base", "retry factor", "retry cap", "retry max attempts", "retry max age"])
    func invalidSettingsAreRefusedWithTheirName(name: String) {
        #expect {
            switch name {
            case "retry base": _ = try RetryPolicy(base: .zero)
            case "retry factor": _ = try RetryPolicy(factor: 0.5)
            case "retry cap": _ = try RetryPolicy(base: .seconds(600), cap: .seconds(60))
            case "retry max attempts": _ = try RetryPolicy(maxAttempts: 0)
            default: _ = try RetryPolicy(maxAge: .zero)
            }
        } throws: { error in
            guard case DeliveryPolicyError.invalidSetting(let reported, _, _) = error else { return false }
            return reported == name && "\(error)".contains("expected")
        }
    }
}

/// A seeded generator usable from a `@Sendable` jitter closure.
final class LockedGenerator: @unchecked Sendable {
    private var generator: SeededGenerator
    private let lock = NSLock()
    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
    func draw(in range: ClosedRange<Double>) -> Double {
        lock.lock()
        defer { lock.unlock() }
        return Double.random(in: range, using: &generator)
    }
}
