import Delivery
import Foundation
import Testing

/// A scope's limits change while it sends (a reload, a throttle reply halving its rate): the
/// sends already made and those still on the wire keep counting.
struct LimitChangeHistoryTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A send reserved before its scope's rate was halved completes after: it must move to its
    /// completion instant as before, not vanish from the window.
    @Test func aSendInFlightKeepsCountingAcrossAnAdaptiveChange() throws {
        var throttle = DeliveryThrottle(accounts: ["relay": ThrottleLimits(perMinute: 2)], providers: [:])
        throttle.recordSend(account: "relay", provider: "default", at: start, inFlight: true)
        throttle.recordSend(account: "relay", provider: "default", at: start, inFlight: true)
        // A throttle reply to some other message halves the rate (2 per 2 minutes) while both are on the wire.
        _ = throttle.throttled(.account("relay"), now: start.addingTimeInterval(1))
        let completion = start.addingTimeInterval(30)
        throttle.completeSend(account: "relay", provider: "default", reservedAt: start, at: completion)
        throttle.completeSend(account: "relay", provider: "default", reservedAt: start, at: completion)
        // Both count at their completion: the next send waits for two minutes after it (and
        // for the cool-down, which is shorter).
        let next = throttle.earliestSend(account: "relay", provider: "default", now: completion)
        #expect(next == completion.addingTimeInterval(120), "\(next.timeIntervalSince(start))")
    }

    @Test func theLimiterKeepsInFlightSendsWhenItsLimitsChange() throws {
        var limiter = RollingWindowLimiter(limits: [try RateLimit(count: 1, per: .seconds(60))])
        limiter.record(at: start, inFlight: true)
        var changed = limiter.withLimits([try RateLimit(count: 2, per: .seconds(60))])
        changed.record(at: start.addingTimeInterval(1))
        #expect(!changed.allows(now: start.addingTimeInterval(2)))
        // The reservation completes late: it counts from its completion.
        changed.complete(reservedAt: start, at: start.addingTimeInterval(40))
        #expect(changed.nextAllowed(now: start.addingTimeInterval(50)) == start.addingTimeInterval(61))
    }

    /// A daily cap added by a reload after the day's sends were made: the send log's history
    /// (given as `completedHistory`) fills the new limiter, so the cap holds at once.
    @Test func aCapAddedLaterCountsTheSendsAlreadyMade() throws {
        var throttle = DeliveryThrottle(accounts: ["relay": ThrottleLimits()], providers: [:])
        let sent = (0..<3).map { start.addingTimeInterval(Double($0) * 60) }
        for instant in sent { throttle.recordSend(account: "relay", provider: "default", at: instant) }
        let now = start.addingTimeInterval(3600)
        throttle.setLimits(ThrottleLimits(perDay: 3), for: .account("relay"), completedHistory: sent)
        #expect(throttle.earliestSend(account: "relay", provider: "default", now: now) == start.addingTimeInterval(86_400))
        // Without the history the unlimited scope remembered nothing, and the cap would allow three more.
        var forgetful = DeliveryThrottle(accounts: ["relay": ThrottleLimits()], providers: [:])
        for instant in sent { forgetful.recordSend(account: "relay", provider: "default", at: instant) }
        forgetful.setLimits(ThrottleLimits(perDay: 3), for: .account("relay"))
        #expect(forgetful.earliestSend(account: "relay", provider: "default", now: now) == now)
    }
}

extension LimitChangeHistoryTests {
    /// Waiting messages are spaced by the shortest window: 30/min beside 2000/day is two
    /// seconds, not the 43 s the daily average would give (the daily cap binds when used up).
    @Test func waitingMessagesAreSpacedByTheShortestWindow() {
        let throttle = DeliveryThrottle(accounts: ["relay": ThrottleLimits(perMinute: 30, perDay: 2000)], providers: [:])
        #expect(throttle.sustainedSpacing(.account("relay")) == 2)
        #expect(DeliveryThrottle(accounts: ["relay": ThrottleLimits()], providers: [:]).sustainedSpacing(.account("relay")) == nil)
    }
}
