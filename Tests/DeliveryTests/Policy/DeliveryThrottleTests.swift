import Clocks
import Delivery
import Foundation
import Testing

struct DeliveryThrottleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    private func throttle(account: ThrottleLimits = ThrottleLimits(perMinute: 2), provider: ThrottleLimits = ThrottleLimits(perMinute: 3),
                          rules: [SuspensionRule] = []) -> DeliveryThrottle {
        DeliveryThrottle(accounts: ["relay": account], providers: ["google": provider], suspensionRules: rules)
    }

    @Test func accountAndProviderLimitsApplyTogether() {
        var gate = throttle()
        #expect(gate.earliestSend(account: "relay", provider: "google", now: start) == start)
        gate.recordSend(account: "relay", provider: "google", at: start)
        gate.recordSend(account: "relay", provider: "google", at: start)
        // The account's 2/min binds first.
        #expect(gate.earliestSend(account: "relay", provider: "google", now: start) == start.addingTimeInterval(60))
        // Another account to the same provider has one provider slot left.
        #expect(gate.earliestSend(account: "other", provider: "google", now: start) == start)
        gate.recordSend(account: "other", provider: "google", at: start)
        #expect(gate.earliestSend(account: "other", provider: "google", now: start) == start.addingTimeInterval(60))
        // Unknown scopes are unlimited.
        #expect(gate.earliestSend(account: "other", provider: "default", now: start) == start)
    }

    @Test func historySurvivesARestart() {
        var gate = throttle()
        gate.recordSend(account: "relay", provider: "google", at: start)
        gate.recordSend(account: "relay", provider: "google", at: start.addingTimeInterval(10))
        let accountHistory = gate.sendHistory(.account("relay"))
        let providerHistory = gate.sendHistory(.provider("google"))
        var restarted = throttle()
        restarted.restoreSendHistory(accountHistory, for: .account("relay"))
        restarted.restoreSendHistory(providerHistory, for: .provider("google"))
        #expect(restarted.earliestSend(account: "relay", provider: "google", now: start.addingTimeInterval(20)) == start.addingTimeInterval(60))
    }

    @Test func connectionsAreCountedPerAccount() {
        var gate = throttle(account: ThrottleLimits(maxConnections: 2, maxMessagesPerConnection: 100), provider: ThrottleLimits(maxMessagesPerConnection: 20))
        let acquired = [gate.acquireConnection(account: "relay"), gate.acquireConnection(account: "relay"),
                        gate.acquireConnection(account: "relay"), gate.acquireConnection(account: "unlimited")]
        #expect(acquired == [true, true, false, true])
        gate.releaseConnection(account: "relay")
        #expect(gate.openConnections(account: "relay") == 1)
        let again = gate.acquireConnection(account: "relay")
        #expect(again)
        #expect(gate.maxMessagesPerConnection(account: "relay", provider: "google") == 20)
        #expect(gate.maxMessagesPerConnection(account: "relay", provider: "default") == 100)
        #expect(gate.maxMessagesPerConnection(account: "x", provider: "default") == nil)
    }

    /// 1m, 2m, 4m, ... while throttles repeat, capped at 1h; a quiet half hour starts over.
    @Test func suspensionDoublesWhileThrottlesRepeatThenResets() {
        var gate = throttle()
        var now = start
        var lengths: [Double] = []
        for _ in 0..<9 {
            let until = gate.noteThrottle(scope: .provider("google"), now: now)
            lengths.append(until.timeIntervalSince(now))
            #expect(gate.earliestSend(account: "relay", provider: "google", now: now) == until)
            now = until.addingTimeInterval(5)  // the first message after the suspension is throttled again
        }
        #expect(lengths == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600])
        let quiet = now.addingTimeInterval(31 * 60)
        #expect(gate.noteThrottle(scope: .provider("google"), now: quiet) == quiet.addingTimeInterval(60))
    }

    /// Replies to messages already in flight when the suspension began do not escalate it.
    @Test func throttlesDuringASuspensionDoNotEscalate() {
        var gate = throttle()
        let first = gate.noteThrottle(scope: .account("relay"), now: start)
        let second = gate.noteThrottle(scope: .account("relay"), now: start.addingTimeInterval(1))
        #expect(first == start.addingTimeInterval(60))
        #expect(second == start.addingTimeInterval(61))
        #expect(gate.suspensionState(.account("relay"))?.streak == 1)
    }

    @Test func successesAfterTheSuspensionEndTheStreak() {
        var gate = throttle()
        let until = gate.noteThrottle(scope: .provider("google"), now: start)
        for i in 0..<20 { gate.noteSuccess(scope: .provider("google"), now: until.addingTimeInterval(Double(i))) }
        #expect(gate.suspensionState(.provider("google")) == nil)
        let again = until.addingTimeInterval(30)
        #expect(gate.noteThrottle(scope: .provider("google"), now: again) == again.addingTimeInterval(60))
    }

    /// KumoMTA-style: Gmail's "unusual rate" reply suspends Gmail for an hour at once.
    @Test func ruleFromTheBuiltInTableSetsTheSuspension() throws {
        let table = try ProviderTable.builtIn()
        var gate = DeliveryThrottle(accounts: ["relay": .unlimited], providerTable: table)
        let gmailReply = "Our system has detected an unusual rate of unsolicited mail originating from your IP address."
        let until = gate.noteThrottle(scope: .provider("google"), replyText: gmailReply, now: start)
        #expect(until == start.addingTimeInterval(3600))
        #expect(gate.suspensionState(.provider("google"))?.reason.contains("gmail-unusual-rate") == true)
        // The Gmail rule does not fire for Yahoo, and Yahoo's TSS04 rule fires for Yahoo.
        #expect(gate.noteThrottle(scope: .provider("yahoo"), replyText: gmailReply, now: start) == start.addingTimeInterval(60))
        let yahooReply = "[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints"
        #expect(gate.noteThrottle(scope: .provider("yahoo"), replyText: yahooReply, now: start.addingTimeInterval(120)) == start.addingTimeInterval(3720))
        #expect(gate.suspendedUntil(.provider("apple"), now: start) == nil)
    }

    @Test func suspensionSurvivesARestartAndCanBeCleared() {
        var gate = throttle()
        let until = gate.noteThrottle(scope: .account("relay"), now: start)
        let saved = gate.suspensionState(.account("relay"))
        var restarted = throttle()
        restarted.restoreSuspension(saved, for: .account("relay"))
        #expect(restarted.earliestSend(account: "relay", provider: "x", now: start) == until)
        restarted.clearSuspension(.account("relay"))
        #expect(restarted.earliestSend(account: "relay", provider: "x", now: start) == start)
    }

    /// The daemon's loop shape on a test clock: wait for `earliestSend`, send, record. With
    /// 1/8m, one message goes every 8 minutes of simulated time, without sleeping. The test
    /// advances the clock a second at a time until the sender is done (bounded, so a bug
    /// fails instead of hanging); gaps are checked as at least 8 minutes because a loaded
    /// machine may schedule the sender a simulated second late.
    @Test func pacedSenderOnATestClock() async throws {
        let clock = TestClock<Duration>()
        let origin = start
        let wallNow: @Sendable () -> Date = {
            let elapsed = TestClock<Duration>.Instant().duration(to: clock.now)
            return origin.addingTimeInterval(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let waiter = WallClockWaiter(clock: clock, now: wallNow)
        let log = SendLog()
        let limits = ThrottleLimits(additional: [try RateLimit(operatorInput: "1/8m")])
        let sender = Task {
            var gate = DeliveryThrottle(accounts: ["relay": limits])
            for _ in 0..<4 {
                try await waiter.sleep(until: gate.earliestSend(account: "relay", provider: "default", now: wallNow()))
                let now = wallNow()
                gate.recordSend(account: "relay", provider: "default", at: now)
                await log.append(now)
            }
        }
        var steps = 0
        while await log.count < 4, steps < 3000 {
            await clock.advance(by: .seconds(1))
            steps += 1
        }
        sender.cancel()
        _ = await sender.result
        let offsets = await log.offsets(from: start)
        #expect(offsets.count == 4, "sent \(offsets.count) in \(steps) simulated seconds")
        #expect(zip(offsets, offsets.dropFirst()).allSatisfy { $1 - $0 >= 480 }, "\(offsets)")
        #expect((offsets.last ?? 0) < 1440 + 60, "\(offsets)")
    }
}

actor SendLog {
    private var sends: [Date] = []
    func append(_ date: Date) { sends.append(date) }
    var count: Int { sends.count }
    func offsets(from start: Date) -> [Double] { sends.map { $0.timeIntervalSince(start) } }
}
