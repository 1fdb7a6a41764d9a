import Foundation

/// The throttles between the queue and the network: rate limits per sending account, per
/// destination provider and per job (a campaign's own limits), connection counts per account
/// and provider, suspensions after throttle replies, and the adaptive (AIMD) rate.
///
/// A value type with no clock and no I/O: the daemon asks `earliestSend`, sends, calls
/// `recordSend`, and feeds back throttles and successes. It persists `sendHistory`,
/// `suspensionState` and `adaptiveState` and restores them after a restart, so limits hold
/// across restarts.
public struct DeliveryThrottle: Sendable {
    public private(set) var accountLimits: [String: ThrottleLimits]
    public private(set) var providerLimits: [String: ThrottleLimits]
    public private(set) var jobLimits: [Int64: ThrottleLimits] = [:]
    public var suspensionPolicy: SuspensionPolicy
    public var adaptivePolicy: AdaptiveRatePolicy
    /// Checked in order; the longest matching rule's duration wins over the adaptive one
    /// when longer.
    public var suspensionRules: [SuspensionRule]

    private var limiters: [ThrottleScope: RollingWindowLimiter] = [:]
    private var connections: [ThrottleScope: Int] = [:]
    private var suspensions: [ThrottleScope: SuspensionState] = [:]
    private var adaptive: [ThrottleScope: AdaptiveRateState] = [:]

    public init(accounts: [String: ThrottleLimits], providers: [String: ThrottleLimits] = [:],
                suspensionPolicy: SuspensionPolicy = .standard, suspensionRules: [SuspensionRule] = [],
                adaptivePolicy: AdaptiveRatePolicy = .standard) {
        self.accountLimits = accounts
        self.providerLimits = providers
        self.suspensionPolicy = suspensionPolicy
        self.suspensionRules = suspensionRules
        self.adaptivePolicy = adaptivePolicy
        for (name, limits) in accounts { limiters[.account(name)] = RollingWindowLimiter(limits: limits.rateLimits) }
        for (name, limits) in providers { limiters[.provider(name)] = RollingWindowLimiter(limits: limits.rateLimits) }
    }

    /// Provider limits and suspension rules from a provider table.
    public init(accounts: [String: ThrottleLimits], providerTable: ProviderTable,
                suspensionPolicy: SuspensionPolicy = .standard, extraSuspensionRules: [SuspensionRule] = [],
                adaptivePolicy: AdaptiveRatePolicy = .standard) {
        var providers: [String: ThrottleLimits] = [:]
        for provider in providerTable.providers { providers[provider.name] = provider.limits }
        self.init(accounts: accounts, providers: providers, suspensionPolicy: suspensionPolicy,
                  suspensionRules: extraSuspensionRules + providerTable.providers.flatMap(\.suspensionRules),
                  adaptivePolicy: adaptivePolicy)
    }

    /// The configured limits of a scope; nil for a scope nobody configured.
    public func limits(of scope: ThrottleScope) -> ThrottleLimits? {
        switch scope {
        case .account(let name): return accountLimits[name]
        case .provider(let name): return providerLimits[name]
        case .job(let id): return jobLimits[id]
        }
    }

    /// Changes one scope's limits (a configuration reload, a job starting), keeping its send
    /// history, its sends in flight and its adaptive rate. Give `completedHistory` (the send
    /// log's) when the new limits may need more history than the old ones kept: a scope that
    /// had no limit kept none, and one whose count grows kept too few.
    public mutating func setLimits(_ limits: ThrottleLimits, for scope: ThrottleScope, completedHistory: [Date]? = nil) {
        switch scope {
        case .account(let name): accountLimits[name] = limits
        case .provider(let name): providerLimits[name] = limits
        case .job(let id): jobLimits[id] = limits
        }
        rebuildLimiter(scope, completedHistory: completedHistory)
    }

    /// Forgets a scope that will not send again (a finished job).
    public mutating func removeScope(_ scope: ThrottleScope) {
        if case .job(let id) = scope { jobLimits[id] = nil }
        limiters[scope] = nil
        suspensions[scope] = nil
        adaptive[scope] = nil
        connections[scope] = nil
    }

    // MARK: Rates

    /// `now` when a message from `account` to `provider` (for `job`, when given) may go now;
    /// otherwise the earliest instant every scope's limits and suspensions allow it.
    public func earliestSend(account: String, provider: String, job: Int64? = nil, now: Date) -> Date {
        var earliest = now
        for scope in Self.scopes(account: account, provider: provider, job: job) {
            if let limiter = limiters[scope] { earliest = max(earliest, limiter.nextAllowed(now: now)) }
            if let until = suspendedUntil(scope, now: now) { earliest = max(earliest, until) }
        }
        return earliest
    }

    /// When the account's own limits (its rate windows, its suspension) next let it send; nil
    /// when they do now. Whatever the provider or the job: a worker that would only wait for
    /// this does not claim, so the job's other accounts take those messages (failover).
    public func accountAvailableAt(_ account: String, now: Date) -> Date? {
        let scope = ThrottleScope.account(account)
        var earliest = now
        if let limiter = limiters[scope] { earliest = max(earliest, limiter.nextAllowed(now: now)) }
        if let until = suspendedUntil(scope, now: now) { earliest = max(earliest, until) }
        return earliest > now ? earliest : nil
    }

    /// The scope that holds a message back longest at `now` (its rate window or its
    /// suspension), nil when it may go now. A sender tells by it whether only this provider's
    /// or job's messages must wait, or the whole account.
    public func blockingScope(account: String, provider: String, job: Int64? = nil, now: Date) -> ThrottleScope? {
        var latest = now
        var blocking: ThrottleScope?
        for scope in Self.scopes(account: account, provider: provider, job: job) {
            var earliest = now
            if let limiter = limiters[scope] { earliest = max(earliest, limiter.nextAllowed(now: now)) }
            if let until = suspendedUntil(scope, now: now) { earliest = max(earliest, until) }
            if earliest > latest {
                latest = earliest
                blocking = scope
            }
        }
        return blocking
    }

    /// Notes one message handed to the relay (count every recipient the relay counts: for
    /// providers' per-recipient quotas, call once per recipient).
    public mutating func recordSend(account: String, provider: String, job: Int64? = nil, at instant: Date, inFlight: Bool = false) {
        for scope in Self.scopes(account: account, provider: provider, job: job) {
            limiters[scope]?.record(at: instant, inFlight: inFlight)
        }
    }

    /// A send recorded `inFlight` at `reservedAt` ended at `instant` (accepted, refused or
    /// failed): it counts at `instant` from now on. Every in-flight send must be completed.
    public mutating func completeSend(account: String, provider: String, job: Int64? = nil, reservedAt: Date, at instant: Date) {
        for scope in Self.scopes(account: account, provider: provider, job: job) {
            limiters[scope]?.complete(reservedAt: reservedAt, at: instant)
        }
    }

    /// The send instants a scope's limits still need, to persist.
    public func sendHistory(_ scope: ThrottleScope) -> [Date] { limiters[scope]?.history ?? [] }

    /// Restores persisted send instants after a restart.
    public mutating func restoreSendHistory(_ history: [Date], for scope: ThrottleScope) {
        guard limits(of: scope) != nil else { return }
        rebuildLimiter(scope, completedHistory: history)
    }

    /// The rate limits in force for a scope: the configured ones stretched by the adaptive
    /// rate (5/s at 50% is 5 per 2 s, so a count of 1 still halves).
    public func effectiveRateLimits(_ scope: ThrottleScope) -> [RateLimit] {
        var configured = limits(of: scope)?.rateLimits ?? []
        if configured.isEmpty, let learned = adaptive[scope]?.learnedRate { configured = [learned] }
        let fraction = adaptive[scope]?.fraction ?? 1
        guard fraction < 1 else { return configured }
        return configured.compactMap { limit in
            let milliseconds = (Double(limit.per.policyMilliseconds) / fraction).rounded(.up)
            return try? RateLimit(count: limit.count, per: .milliseconds(Int64(milliseconds)))
        }
    }

    /// The spacing between sends the scope's shortest window allows (`30/min` is 2 s, also
    /// beside `2000/day`), nil without a rate: how far apart to schedule messages that wait
    /// for the scope. A longer window binds through the wait it causes when it is used up,
    /// not by spreading every message over its whole period.
    public func sustainedSpacing(_ scope: ThrottleScope) -> TimeInterval? {
        effectiveRateLimits(scope).min { $0.per < $1.per }.map { Double($0.per.policyMilliseconds) / 1000 / Double(max($0.count, 1)) }
    }

    private mutating func rebuildLimiter(_ scope: ThrottleScope, completedHistory: [Date]? = nil) {
        let current = limiters[scope] ?? RollingWindowLimiter(limits: [])
        limiters[scope] = current.withLimits(effectiveRateLimits(scope), completedHistory: completedHistory)
    }

    private static func scopes(account: String, provider: String, job: Int64?) -> [ThrottleScope] {
        var scopes: [ThrottleScope] = [.account(account), .provider(provider)]
        if let job { scopes.append(.job(job)) }
        return scopes
    }

    // MARK: Connections

    /// Takes a connection slot for `account`; false when it already has `maxConnections`
    /// open. Every true must be balanced by `releaseConnection`.
    public mutating func acquireConnection(account: String) -> Bool {
        acquireConnection(.account(account))
    }

    public mutating func releaseConnection(account: String) { releaseConnection(.account(account)) }

    public func openConnections(account: String) -> Int { connections[.account(account), default: 0] }

    /// Takes a slot of `scope`'s `maxConnections` (an account's relay sessions, or the
    /// sessions carrying a provider's messages); false when all are taken.
    public mutating func acquireConnection(_ scope: ThrottleScope) -> Bool {
        let open = connections[scope, default: 0]
        if let maximum = limits(of: scope)?.maxConnections, open >= maximum { return false }
        connections[scope] = open + 1
        return true
    }

    public mutating func releaseConnection(_ scope: ThrottleScope) {
        connections[scope] = max(connections[scope, default: 0] - 1, 0)
    }

    public func openConnections(_ scope: ThrottleScope) -> Int { connections[scope, default: 0] }

    /// How many messages one connection may carry to `provider` through `account`: the
    /// smaller of the two scopes' limits, nil for no limit.
    public func maxMessagesPerConnection(account: String, provider: String) -> Int? {
        ThrottleLimits.smaller(accountLimits[account]?.maxMessagesPerConnection, providerLimits[provider]?.maxMessagesPerConnection)
    }

    // MARK: Suspensions and the adaptive rate

    /// Suspends `scope` after a reply classified `throttle` and returns the instant it may
    /// send again. See `throttled(_:replyText:now:)`.
    @discardableResult
    public mutating func noteThrottle(scope: ThrottleScope, replyText: String? = nil, now: Date) -> Date {
        throttled(scope, replyText: replyText, now: now).suspendedUntil ?? now
    }

    /// A throttle reply: the scope pauses for a cool-down and its rate is multiplied by the
    /// adaptive policy's `decrease`. The cool-down doubles while throttles repeat within the
    /// quiet period; a suspension rule matching `replyText` sets a longer one. Replies to
    /// messages already in flight when the cool-down began say nothing new and change nothing.
    ///
    /// `observedPerMinute` is what the scope sent in the minute before the reply: a scope with
    /// no configured rate has that rate halved instead (and restored step by step up to it,
    /// after which it is unlimited again).
    public mutating func throttled(_ scope: ThrottleScope, replyText: String? = nil, observedPerMinute: Int? = nil, now: Date) -> ThrottleAdjustment {
        var streak = 1
        var inFlight = false
        if let previous = suspensions[scope] {
            if now < previous.suspendedUntil {
                streak = previous.streak
                inFlight = true
            } else if now.timeIntervalSince(previous.suspendedUntil) < suspensionPolicy.quietPeriod.policySeconds {
                streak = previous.streak + 1
            }
        }
        var duration = suspensionPolicy.suspension(forStreak: streak)
        var reason = "throttle reply \(streak) in a row: cool-down \(duration.operatorDescription)"
        if let replyText {
            for rule in suspensionRules where rule.matches(scope: scope, replyText: replyText) && rule.duration > duration {
                duration = rule.duration
                reason = "suspension rule \(rule.name): \(duration.operatorDescription)"
            }
        }
        let until = max(now.addingTimeInterval(duration.policySeconds), suspensions[scope]?.suspendedUntil ?? now)
        let current = adaptive[scope]?.fraction ?? 1
        let configured = limits(of: scope)?.rateLimits ?? []
        var learned = adaptive[scope]?.learnedRate
        if configured.isEmpty, learned == nil, let observed = observedPerMinute, observed > 0 {
            learned = try? RateLimit(count: observed, per: .seconds(60))
        }
        // One halving per cool-down: the other replies of the same burst are the same news.
        // A scope with no rate, configured or learned, has nothing to halve: it keeps its
        // fraction, so a later learned rate does not start at a floor earned by cool-downs.
        let hasRate = !configured.isEmpty || learned != nil
        let fraction = inFlight || !hasRate ? current : max(adaptivePolicy.floor, current * adaptivePolicy.decrease)
        if hasRate {
            adaptive[scope] = AdaptiveRateState(fraction: fraction, recoveringFrom: until, learnedRate: configured.isEmpty ? learned : nil)
        }
        rebuildLimiter(scope)
        if !configured.isEmpty {
            reason += ", rate at \(Int((fraction * 100).rounded()))% of the configured limit"
        } else if let learned {
            reason += ", rate at \(Int((fraction * 100).rounded()))% of the \(learned) it was sending at (no rate configured)"
        } else {
            reason += " (no rate configured and none observed: the cool-down is the only brake)"
        }
        suspensions[scope] = SuspensionState(streak: streak, suspendedUntil: until, lastThrottleAt: now, reason: reason)
        return ThrottleAdjustment(scope: scope, fraction: fraction, suspendedUntil: until, reason: reason)
    }

    /// Pauses `scope` until `until` without touching its rate: a daily quota is used up, and
    /// nothing will pass before its window resets.
    public mutating func suspend(_ scope: ThrottleScope, until: Date, reason: String, now: Date) -> ThrottleAdjustment {
        let previous = suspensions[scope]
        let end = max(until, previous?.suspendedUntil ?? until)
        suspensions[scope] = SuspensionState(streak: previous?.streak ?? 0, suspendedUntil: end, lastThrottleAt: now, reason: reason)
        if var state = adaptive[scope] {
            state.recoveringFrom = max(state.recoveringFrom, end)
            adaptive[scope] = state
        }
        return ThrottleAdjustment(scope: scope, fraction: adaptive[scope]?.fraction ?? 1, suspendedUntil: end, reason: reason)
    }

    /// Additive increase: every full clean window since the last cool-down ended restores one
    /// step of the configured rate. Returns the scopes whose rate changed, for the log.
    public mutating func recover(now: Date) -> [ThrottleAdjustment] {
        var changes: [ThrottleAdjustment] = []
        let window = adaptivePolicy.recoveryWindow.policySeconds
        for (scope, state) in adaptive where now >= state.recoveringFrom.addingTimeInterval(window) {
            let steps = (now.timeIntervalSince(state.recoveringFrom) / window).rounded(.down)
            let fraction = min(1, state.fraction + steps * adaptivePolicy.recoveryStep)
            if fraction >= 1 {
                adaptive[scope] = nil
            } else {
                adaptive[scope] = AdaptiveRateState(fraction: fraction, recoveringFrom: state.recoveringFrom.addingTimeInterval(steps * window),
                                                    learnedRate: state.learnedRate)
            }
            rebuildLimiter(scope)
            let reason = fraction >= 1 ? "clean windows: configured rate restored" : "clean window: rate raised to \(Int((fraction * 100).rounded()))%"
            changes.append(ThrottleAdjustment(scope: scope, fraction: fraction, suspendedUntil: nil, reason: reason))
        }
        return changes.sorted { $0.scope.key < $1.scope.key }
    }

    /// Notes a message the scope accepted. Successes in a row after the suspension ended
    /// end the streak, so the next throttle starts again at the initial suspension.
    public mutating func noteSuccess(scope: ThrottleScope, now: Date) {
        guard var state = suspensions[scope], now >= state.suspendedUntil else { return }
        state.successesSinceResume += 1
        if state.successesSinceResume >= suspensionPolicy.successesToReset {
            suspensions[scope] = nil
        } else {
            suspensions[scope] = state
        }
    }

    /// The end of `scope`'s suspension, nil when it is not suspended at `now`.
    public func suspendedUntil(_ scope: ThrottleScope, now: Date) -> Date? {
        guard let state = suspensions[scope], state.suspendedUntil > now else { return nil }
        return state.suspendedUntil
    }

    /// The scope's suspension state, to persist; nil when it has none.
    public func suspensionState(_ scope: ThrottleScope) -> SuspensionState? { suspensions[scope] }

    public mutating func restoreSuspension(_ state: SuspensionState?, for scope: ThrottleScope) {
        suspensions[scope] = state
    }

    /// The scope's adaptive rate, to persist; nil at the full configured rate.
    public func adaptiveState(_ scope: ThrottleScope) -> AdaptiveRateState? { adaptive[scope] }

    public mutating func restoreAdaptiveState(_ state: AdaptiveRateState?, for scope: ThrottleScope) {
        adaptive[scope] = state
        if limits(of: scope) != nil || state?.learnedRate != nil { rebuildLimiter(scope) }
    }

    /// Every scope that is paused or below its configured rate at `now`, for status displays.
    public func adjustments(now: Date) -> [ThrottleAdjustment] {
        let scopes = Set(suspensions.keys).union(adaptive.keys)
        return scopes.compactMap { scope -> ThrottleAdjustment? in
            let until = suspendedUntil(scope, now: now)
            let fraction = adaptive[scope]?.fraction ?? 1
            guard until != nil || fraction < 1 else { return nil }
            return ThrottleAdjustment(scope: scope, fraction: fraction, suspendedUntil: until, reason: suspensions[scope]?.reason ?? "recovering")
        }.sorted { $0.scope.key < $1.scope.key }
    }

    /// Lifts a suspension at once (`mailctl resume`), forgetting the streak.
    public mutating func clearSuspension(_ scope: ThrottleScope) { suspensions[scope] = nil }
}
