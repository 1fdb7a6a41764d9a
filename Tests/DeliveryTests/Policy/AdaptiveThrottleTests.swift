import Clocks
import Delivery
import Foundation
import Testing

/// AIMD, job scopes and quota pauses of `DeliveryThrottle`, on fixed instants.
struct AdaptiveThrottleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = AdaptiveRatePolicy(decrease: 0.5, floor: 1.0 / 64, recoveryStep: 0.125, recoveryWindow: .seconds(60))

    private func gate(_ limits: ThrottleLimits = ThrottleLimits(perSecond: 8)) -> DeliveryThrottle {
        DeliveryThrottle(accounts: ["relay": limits], providers: [:], adaptivePolicy: policy)
    }

    /// 8/s halves to 8 per 2 s after a throttle; clean minutes after the cool-down give back
    /// 1/8 each, so full speed returns after four clean windows, not at once.
    @Test func throttleHalvesAndCleanWindowsRestoreStepByStep() throws {
        var throttle = gate()
        let adjustment = throttle.throttled(.account("relay"), replyText: "454 Throttling failure: Maximum sending rate exceeded.", now: start)
        #expect(adjustment.fraction == 0.5)
        let coolDownEnd = try #require(adjustment.suspendedUntil)
        #expect(coolDownEnd == start.addingTimeInterval(60))
        #expect(throttle.effectiveRateLimits(.account("relay")) == [try RateLimit(count: 8, per: .seconds(2))])
        // Nothing before the cool-down ends.
        #expect(throttle.earliestSend(account: "relay", provider: "default", now: start.addingTimeInterval(30)) == coolDownEnd)

        var fractions: [Double] = []
        for minute in 1...5 {
            _ = throttle.recover(now: coolDownEnd.addingTimeInterval(Double(minute) * 60 - 1))
            fractions.append(throttle.adaptiveState(.account("relay"))?.fraction ?? 1)
            _ = throttle.recover(now: coolDownEnd.addingTimeInterval(Double(minute) * 60))
            fractions.append(throttle.adaptiveState(.account("relay"))?.fraction ?? 1)
        }
        let expected: [Double] = [0.5, 0.625, 0.625, 0.75, 0.75, 0.875, 0.875, 1, 1, 1]
        #expect(fractions == expected)
        #expect(throttle.effectiveRateLimits(.account("relay")) == [try RateLimit(count: 8, per: .seconds(1))])
    }

    /// At half rate the window is exact: 8 sends in any 2 s, the 9th waits for the 1st to age.
    @Test func halvedRateHoldsAtTheWindowEdge() throws {
        var throttle = gate()
        let until = try #require(throttle.throttled(.account("relay"), now: start).suspendedUntil)
        for i in 0..<8 { throttle.recordSend(account: "relay", provider: "default", at: until.addingTimeInterval(Double(i) * 0.1)) }
        let ninth = throttle.earliestSend(account: "relay", provider: "default", now: until.addingTimeInterval(0.8))
        #expect(ninth == until.addingTimeInterval(2))
    }

    /// A throttle during the recovery starts it over from the lower rate; repeated halvings
    /// stop at the floor; replies from messages in flight during a cool-down halve nothing.
    @Test func repeatedThrottlesHalveAgainDownToTheFloor() {
        var throttle = gate()
        var now = start
        var fractions: [Double] = []
        for _ in 0..<8 {
            let adjustment = throttle.throttled(.account("relay"), now: now)
            fractions.append(adjustment.fraction)
            // In flight during the cool-down: no second halving.
            let inFlight = throttle.throttled(.account("relay"), now: now.addingTimeInterval(1))
            #expect(inFlight.fraction == adjustment.fraction)
            now = (adjustment.suspendedUntil ?? now).addingTimeInterval(5)
        }
        let floor = 1.0 / 64
        let expected: [Double] = [0.5, 0.25, 0.125, 0.0625, 0.03125, floor, floor, floor]
        #expect(fractions == expected)
    }

    /// A campaign's own limit is a third scope: the smallest of account, provider and job wins,
    /// and another job on the same account is not held back by it.
    @Test func jobLimitsAreAThirdScope() {
        var throttle = DeliveryThrottle(accounts: ["relay": ThrottleLimits(perSecond: 10)], providers: ["google": ThrottleLimits(perSecond: 5)])
        throttle.setLimits(ThrottleLimits(perMinute: 2), for: .job(7))
        throttle.recordSend(account: "relay", provider: "google", job: 7, at: start)
        throttle.recordSend(account: "relay", provider: "google", job: 7, at: start.addingTimeInterval(0.5))
        #expect(throttle.earliestSend(account: "relay", provider: "google", job: 7, now: start.addingTimeInterval(1)) == start.addingTimeInterval(60))
        #expect(throttle.earliestSend(account: "relay", provider: "google", job: 8, now: start.addingTimeInterval(1)) == start.addingTimeInterval(1))
        // Job history survives a restart like the others.
        let saved = throttle.sendHistory(.job(7))
        var restarted = DeliveryThrottle(accounts: ["relay": ThrottleLimits(perSecond: 10)])
        restarted.setLimits(ThrottleLimits(perMinute: 2), for: .job(7))
        restarted.restoreSendHistory(saved, for: .job(7))
        #expect(restarted.earliestSend(account: "relay", provider: "x", job: 7, now: start.addingTimeInterval(59)) == start.addingTimeInterval(60))
        restarted.removeScope(.job(7))
        #expect(restarted.earliestSend(account: "relay", provider: "x", job: 7, now: start.addingTimeInterval(59)) == start.addingTimeInterval(59))
    }

    @Test func adaptiveStateSurvivesARestart() {
        var throttle = gate()
        _ = throttle.throttled(.account("relay"), now: start)
        var restarted = gate()
        restarted.restoreSuspension(throttle.suspensionState(.account("relay")), for: .account("relay"))
        restarted.restoreAdaptiveState(throttle.adaptiveState(.account("relay")), for: .account("relay"))
        #expect(restarted.effectiveRateLimits(.account("relay")) == throttle.effectiveRateLimits(.account("relay")))
        #expect(restarted.adjustments(now: start.addingTimeInterval(1)).map(\.scope) == [.account("relay")])
    }

    @Test(arguments: [
        (550, "5.4.5 Daily user sending limit exceeded.", true),
        (454, "Throttling failure: Daily message quota exceeded.", true),
        (554, "5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException", true),
        (454, "Throttling failure: Maximum sending rate exceeded.", false),
        (421, "4.7.28 Our system has detected an unusual rate of unsolicited mail", false),
    ])
    func quotaRepliesAreToldApartFromSlowDowns(code: Int, text: String, quota: Bool) {
        #expect(QuotaReply.isQuota(replyClass: .throttle, code: code, text: text) == quota)
        #expect(!QuotaReply.isQuota(replyClass: .transient, code: code, text: text))
    }

    /// A quota pauses until the oldest send of the window leaves it, and the pause holds
    /// whatever successes or recoveries happen meanwhile.
    @Test func quotaPauseLastsUntilTheWindowResets() throws {
        let oldest = start.addingTimeInterval(-20 * 3600)
        let reset = QuotaReply.resetInstant(oldestSendInWindow: oldest, now: start)
        #expect(reset == start.addingTimeInterval(4 * 3600))
        #expect(QuotaReply.resetInstant(oldestSendInWindow: nil, now: start) == start.addingTimeInterval(86_400))
        var throttle = gate()
        let adjustment = throttle.suspend(.account("relay"), until: reset, reason: "quota", now: start)
        #expect(adjustment.suspendedUntil == reset)
        #expect(adjustment.fraction == 1)
        _ = throttle.recover(now: start.addingTimeInterval(3600))
        throttle.noteSuccess(scope: .account("relay"), now: start.addingTimeInterval(3600))
        #expect(throttle.earliestSend(account: "relay", provider: "default", now: start.addingTimeInterval(3 * 3600)) == reset)
        #expect(throttle.earliestSend(account: "relay", provider: "default", now: reset) == reset)
    }

    @Test func providerConnectionSlots() {
        var throttle = DeliveryThrottle(accounts: [:], providers: ["google": ThrottleLimits(maxConnections: 2)])
        let taken = [throttle.acquireConnection(.provider("google")), throttle.acquireConnection(.provider("google")),
                     throttle.acquireConnection(.provider("google")), throttle.acquireConnection(.provider("yahoo"))]
        #expect(taken == [true, true, false, true])
        throttle.releaseConnection(.provider("google"))
        let again = throttle.acquireConnection(.provider("google"))
        #expect(again)
    }

    /// A send still on the wire counts as happening now, and once completed it counts at its
    /// completion: so 1 per 2 s holds on the receiver's clock, whatever the transaction took.
    @Test func inFlightSendsCountUntilTheyComplete() {
        var throttle = DeliveryThrottle(accounts: ["relay": ThrottleLimits(additional: [try! RateLimit(operatorInput: "1/2s")])])
        throttle.recordSend(account: "relay", provider: "default", at: start, inFlight: true)
        // Still on the wire after 3 s: not allowed before now + 2 s.
        let later = start.addingTimeInterval(3)
        #expect(throttle.earliestSend(account: "relay", provider: "default", now: later) == later.addingTimeInterval(2))
        throttle.completeSend(account: "relay", provider: "default", reservedAt: start, at: start.addingTimeInterval(0.25))
        #expect(throttle.earliestSend(account: "relay", provider: "default", now: start.addingTimeInterval(1)) == start.addingTimeInterval(2.25))
        #expect(throttle.earliestSend(account: "relay", provider: "default", now: later) == later)
    }

    @Test func scopeKeysRoundTrip() {
        for scope in [ThrottleScope.account("a:b"), .provider("google"), .job(42)] {
            #expect(ThrottleScope(key: scope.key) == scope)
        }
        #expect(ThrottleScope(key: "job:x") == nil)
        #expect(ThrottleScope(key: "planet:mars") == nil)
    }

    /// The AIMD recovery driven by a test clock, as the daemon drives it: a sender paced by
    /// `earliestSend` that calls `recover` before each send goes faster window by window.
    @Test func recoveryOnATestClock() async throws {
        let clock = TestClock<Duration>()
        let origin = start
        let wallNow: @Sendable () -> Date = {
            let elapsed = TestClock<Duration>.Instant().duration(to: clock.now)
            return origin.addingTimeInterval(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let waiter = WallClockWaiter(clock: clock, now: wallNow)
        let log = SendLog()
        let fastPolicy = AdaptiveRatePolicy(decrease: 0.5, floor: 1.0 / 64, recoveryStep: 0.25, recoveryWindow: .seconds(10))
        let sender = Task {
            var throttle = DeliveryThrottle(accounts: ["relay": ThrottleLimits(perSecond: 2)], suspensionPolicy: SuspensionPolicy(initial: .seconds(5)),
                                            adaptivePolicy: fastPolicy)
            _ = throttle.throttled(.account("relay"), now: wallNow())
            while await log.count < 60 {
                _ = throttle.recover(now: wallNow())
                try await waiter.sleep(until: throttle.earliestSend(account: "relay", provider: "default", now: wallNow()))
                let now = wallNow()
                throttle.recordSend(account: "relay", provider: "default", at: now)
                await log.append(now)
            }
        }
        var steps = 0
        while await log.count < 60, steps < 2000 {
            await clock.advance(by: .milliseconds(100))
            steps += 1
        }
        sender.cancel()
        _ = await sender.result
        let offsets = await log.offsets(from: start)
        #expect(offsets.count == 60)
        #expect((offsets.first ?? 0) >= 5)
        // Sends per 10 s window after the 5 s cool-down: 10 (2 per 2 s), then more each window, at most 20.
        let perWindow = (0..<4).map { w in offsets.filter { $0 >= 5 + Double(w) * 10 && $0 < 15 + Double(w) * 10 }.count }
        #expect(perWindow[0] <= 11 && perWindow[0] >= 9, "\(perWindow)")
        #expect(perWindow[1] > perWindow[0], "\(perWindow)")
        #expect(perWindow.allSatisfy { $0 <= 21 }, "\(perWindow)")
    }
}
