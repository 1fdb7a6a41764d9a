import Delivery
import Foundation
import Testing

struct RollingWindowLimiterTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    private func limits(_ texts: [String]) throws -> [RateLimit] { try texts.map { try RateLimit(operatorInput: $0) } }

    private func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// Every window, checked by brute force: for each send, the sends in [t, t + window)
    /// must number at most `count`. A window holding count+1 sends starts at one of them,
    /// so checking windows that start at sends covers all windows.
    private func violations(_ sends: [Int64], _ limits: [RateLimit]) -> [String] {
        var found: [String] = []
        for limit in limits {
            let window = Int64(limit.per.components.seconds * 1000 + limit.per.components.attoseconds / 1_000_000_000_000_000)
            for (index, t) in sends.enumerated() {
                let inWindow = sends[index...].prefix { $0 < t + window }.count
                if inWindow > limit.count { found.append("\(inWindow) sends in the \(limit) window starting at \(t)") }
            }
        }
        return found
    }

    /// The brute-force earliest instant >= now at which one more send keeps every window:
    /// the reference the limiter must equal (work conservation).
    private func referenceEarliest(_ sends: [Int64], _ limits: [RateLimit], now: Int64) -> Int64 {
        let candidates = ([now] + sends.flatMap { s in limits.map { s + Int64($0.per.components.seconds * 1000 + $0.per.components.attoseconds / 1_000_000_000_000_000) } })
            .filter { $0 >= now }.sorted()
        for candidate in candidates where violations((sends + [candidate]).sorted(), limits).isEmpty { return candidate }
        return Int64.max
    }

    @Test func oneEveryEightMinutesSendsExactlyOneInEveryWindow() throws {
        var limiter = RollingWindowLimiter(limits: try limits(["1/8m"]))
        #expect(limiter.nextAllowed(now: start) == start)
        limiter.record(at: start)
        #expect(limiter.nextAllowed(now: start.addingTimeInterval(1)) == start.addingTimeInterval(480))
        #expect(!limiter.allows(now: start.addingTimeInterval(479.999)))
        #expect(limiter.allows(now: start.addingTimeInterval(480)))
    }

    @Test func theSmallestLimitWinsAtEveryInstant() throws {
        // 3/s would allow a burst; 5/min caps the minute; 6/hour then caps the hour.
        var limiter = RollingWindowLimiter(limits: try limits(["3/s", "5/min", "6/hour"]))
        var now = start
        var sends: [Date] = []
        while sends.count < 8 {
            now = limiter.nextAllowed(now: now)
            limiter.record(at: now)
            sends.append(now)
        }
        let offsets = sends.map { $0.timeIntervalSince(start) }
        #expect(offsets == [0, 0, 0, 1, 1, 60, 3600, 3600])
    }

    @Test func rebuiltFromHistoryDecidesTheSame() throws {
        let rates = try limits(["2/min", "5/hour"])
        var limiter = RollingWindowLimiter(limits: rates)
        var now = start
        for step in 0..<7 {
            now = limiter.nextAllowed(now: now.addingTimeInterval(Double(step) * 7.3))
            limiter.record(at: now)
        }
        // A round trip through Unix milliseconds, as the daemon persists.
        let persisted = limiter.history.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
        let rebuilt = RollingWindowLimiter(limits: rates, history: persisted.map { Date(timeIntervalSince1970: Double($0) / 1000) })
        #expect(limiter.history.count == 5, "memory is bounded by the largest count")
        for probe in stride(from: 0.0, through: 7200, by: 13.7) {
            let t = now.addingTimeInterval(probe)
            #expect(rebuilt.nextAllowed(now: t) == limiter.nextAllowed(now: t))
        }
    }

    @Test func memoryIsBoundedByTheLargestCount() throws {
        var limiter = RollingWindowLimiter(limits: try limits(["100/s", "7/min"]))
        for i in 0..<10_000 { limiter.record(at: start.addingTimeInterval(Double(i))) }
        #expect(limiter.history.count == 100)
        #expect(limiter.history.last == start.addingTimeInterval(9999))
    }

    @Test func lateReportsAreInsertedInOrder() throws {
        var limiter = RollingWindowLimiter(limits: try limits(["2/min"]))
        limiter.record(at: start.addingTimeInterval(50))
        limiter.record(at: start)
        #expect(limiter.history == [start, start.addingTimeInterval(50)])
        #expect(limiter.nextAllowed(now: start.addingTimeInterval(55)) == start.addingTimeInterval(60))
    }

    @Test func noLimitsAlwaysAllows() {
        var limiter = RollingWindowLimiter(limits: [])
        limiter.record(at: start)
        #expect(limiter.nextAllowed(now: start) == start)
        #expect(limiter.history.isEmpty)
    }

    /// Property: random senders that send whenever the limiter allows never exceed any
    /// limit in any window, and each send happens exactly when the brute-force reference
    /// says the first send could (work conservation).
    @Test(arguments: 1...12)
    func randomSendersNeverExceedAnyWindowAndSendAsSoonAsAllowed(seed: Int) throws {
        var generator = SeededGenerator(seed: UInt64(seed))
        let pool = ["1/8m", "2/s", "3/10s", "5/min", "10/5min", "12/hour", "4/90s", "1/500ms", "20/day", "6/45s"]
        let chosen = try limits(Array(pool.shuffled(using: &generator).prefix(Int.random(in: 1...4, using: &generator))))
        var limiter = RollingWindowLimiter(limits: chosen)
        var sends: [Int64] = []
        var now = ms(start)
        for _ in 0..<150 {
            // A sender shows up after a random pause, wanting to send.
            now += Int64.random(in: 0...Int64.random(in: 1...600_000, using: &generator), using: &generator)
            let nowDate = Date(timeIntervalSince1970: Double(now) / 1000)
            let next = limiter.nextAllowed(now: nowDate)
            let expected = referenceEarliest(sends, chosen, now: now)
            #expect(ms(next) == expected, "seed \(seed) \(chosen): limiter says \(ms(next)), reference \(expected)")
            // Half the time the sender waits for the slot, otherwise it gives up and retries later.
            if next == nowDate || Bool.random(using: &generator) {
                limiter.record(at: next)
                sends.append(ms(next))
                now = ms(next)
            }
        }
        let problems = violations(sends.sorted(), chosen)
        #expect(problems.isEmpty, "seed \(seed) \(chosen): \(problems.prefix(3))")
        #expect(sends.count > 20)
    }
}
