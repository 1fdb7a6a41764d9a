import Delivery
import Foundation
import Testing

/// AIMD for a scope nobody gave a rate (a company relay, a provider of the built-in table):
/// a throttle reply halves the rate it was observed sending at, and clean windows restore it
/// step by step, after which the scope is unlimited again.
struct LearnedRateTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = AdaptiveRatePolicy(decrease: 0.5, floor: 1.0 / 64, recoveryStep: 0.25, recoveryWindow: .seconds(60))

    @Test func anUnlimitedScopeIsHalvedFromTheRateItWasSendingAt() throws {
        var throttle = DeliveryThrottle(accounts: ["relay": ThrottleLimits()], providers: [:], adaptivePolicy: policy)
        #expect(throttle.effectiveRateLimits(.account("relay")).isEmpty)
        let adjustment = throttle.throttled(.account("relay"), observedPerMinute: 40, now: start)
        #expect(adjustment.fraction == 0.5)
        #expect(adjustment.reason.contains("of the 40/min it was sending at"), "\(adjustment.reason)")
        // 40 per minute at half rate: 40 per two minutes.
        #expect(throttle.effectiveRateLimits(.account("relay")) == [try RateLimit(count: 40, per: .seconds(120))])
        let coolDownEnd = try #require(adjustment.suspendedUntil)
        // The window holds from the end of the cool-down: 40 sends, then the 41st waits.
        for second in 0..<40 {
            let instant = coolDownEnd.addingTimeInterval(Double(second))
            #expect(throttle.earliestSend(account: "relay", provider: "default", now: instant) == instant)
            throttle.recordSend(account: "relay", provider: "default", at: instant)
        }
        #expect(throttle.earliestSend(account: "relay", provider: "default", now: coolDownEnd.addingTimeInterval(40)) == coolDownEnd.addingTimeInterval(120))

        // A second reply halves the same learned rate again, not what the halved window allowed.
        let again = throttle.throttled(.account("relay"), observedPerMinute: 20, now: coolDownEnd.addingTimeInterval(50))
        #expect(again.fraction == 0.25)
        #expect(throttle.effectiveRateLimits(.account("relay")) == [try RateLimit(count: 40, per: .seconds(240))])

        // Clean windows restore it; at full rate the scope is unlimited again.
        let resume = try #require(again.suspendedUntil)
        _ = throttle.recover(now: resume.addingTimeInterval(3 * 60))
        #expect(throttle.adaptiveState(.account("relay")) == nil)
        #expect(throttle.effectiveRateLimits(.account("relay")).isEmpty)
    }

    @Test func withNothingObservedOnlyTheCoolDownBrakes() throws {
        var throttle = DeliveryThrottle(accounts: ["relay": ThrottleLimits()], providers: [:], adaptivePolicy: policy)
        let adjustment = throttle.throttled(.account("relay"), observedPerMinute: 0, now: start)
        #expect(adjustment.reason.contains("the cool-down is the only brake"), "\(adjustment.reason)")
        #expect(throttle.effectiveRateLimits(.account("relay")).isEmpty)
        // Nothing to halve, so nothing is halved: cool-downs without a rate (refused sessions)
        // do not leave a floor that a rate learned later would start from.
        #expect(adjustment.fraction == 1)
        let second = throttle.throttled(.account("relay"), now: start.addingTimeInterval(120))
        #expect(second.fraction == 1)
        let learned = throttle.throttled(.account("relay"), observedPerMinute: 30, now: start.addingTimeInterval(400))
        #expect(learned.fraction == 0.5)
        #expect(throttle.effectiveRateLimits(.account("relay")) == [try RateLimit(count: 30, per: .seconds(120))])
    }

    /// A configured rate is the one halved; what was observed does not replace it.
    @Test func aConfiguredRateWinsOverTheObservedOne() throws {
        var throttle = DeliveryThrottle(accounts: ["relay": ThrottleLimits(perMinute: 10)], providers: [:], adaptivePolicy: policy)
        let adjustment = throttle.throttled(.account("relay"), observedPerMinute: 500, now: start)
        #expect(adjustment.reason.contains("of the configured limit"))
        #expect(throttle.effectiveRateLimits(.account("relay")) == [try RateLimit(count: 10, per: .seconds(120))])
        #expect(throttle.adaptiveState(.account("relay"))?.learnedRate == nil)
    }
}
