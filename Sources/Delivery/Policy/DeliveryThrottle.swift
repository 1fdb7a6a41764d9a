import Foundation

/// The throttles between the queue and the network: rate limits and connection counts per
/// sending account, rate limits per destination provider, and suspensions of either after
/// throttle replies.
///
/// A value type with no clock and no I/O: the daemon asks `earliestSend`, sends, calls
/// `recordSend`, and feeds back throttles and successes. It persists `sendHistory` and
/// `suspensionState` (as Unix ms) and restores them after a restart, so limits hold across
/// restarts.
public struct DeliveryThrottle: Sendable {
    public private(set) var accountLimits: [String: ThrottleLimits]
    public private(set) var providerLimits: [String: ThrottleLimits]
    public var suspensionPolicy: SuspensionPolicy
    /// Checked in order; the longest matching rule's duration wins over the adaptive one
    /// when longer.
    public var suspensionRules: [SuspensionRule]

    private var limiters: [ThrottleScope: RollingWindowLimiter] = [:]
    private var connections: [String: Int] = [:]
    private var suspensions: [ThrottleScope: SuspensionState] = [:]

    public init(accounts: [String: ThrottleLimits], providers: [String: ThrottleLimits] = [:],
                suspensionPolicy: SuspensionPolicy = .standard, suspensionRules: [SuspensionRule] = []) {
        self.accountLimits = accounts
        self.providerLimits = providers
        self.suspensionPolicy = suspensionPolicy
        self.suspensionRules = suspensionRules
        for (name, limits) in accounts { limiters[.account(name)] = RollingWindowLimiter(limits: limits.rateLimits) }
        for (name, limits) in providers { limiters[.provider(name)] = RollingWindowLimiter(limits: limits.rateLimits) }
    }

    /// Provider limits and suspension rules from a provider table.
    public init(accounts: [String: ThrottleLimits], providerTable: ProviderTable,
                suspensionPolicy: SuspensionPolicy = .standard, extraSuspensionRules: [SuspensionRule] = []) {
        var providers: [String: ThrottleLimits] = [:]
        for provider in providerTable.providers { providers[provider.name] = provider.limits }
        self.init(accounts: accounts, providers: providers, suspensionPolicy: suspensionPolicy,
                  suspensionRules: extraSuspensionRules + providerTable.providers.flatMap(\.suspensionRules))
    }

    /// Changes one scope's limits (a configuration reload), keeping its send history.
    public mutating func setLimits(_ limits: ThrottleLimits, for scope: ThrottleScope) {
        switch scope {
        case .account(let name): accountLimits[name] = limits
        case .provider(let name): providerLimits[name] = limits
        }
        limiters[scope] = RollingWindowLimiter(limits: limits.rateLimits, history: limiters[scope]?.history ?? [])
    }

    // MARK: Rates

    /// `now` when a message from `account` to `provider` may go now; otherwise the earliest
    /// instant both scopes' limits and suspensions allow it.
    public func earliestSend(account: String, provider: String, now: Date) -> Date {
        var earliest = now
        for scope in [ThrottleScope.account(account), .provider(provider)] {
            if let limiter = limiters[scope] { earliest = max(earliest, limiter.nextAllowed(now: now)) }
            if let until = suspendedUntil(scope, now: now) { earliest = max(earliest, until) }
        }
        return earliest
    }

    /// Notes one message handed to the relay (count every recipient the relay counts: for
    /// providers' per-recipient quotas, call once per recipient).
    public mutating func recordSend(account: String, provider: String, at instant: Date) {
        limiters[.account(account)]?.record(at: instant)
        limiters[.provider(provider)]?.record(at: instant)
    }

    /// The send instants a scope's limits still need, to persist.
    public func sendHistory(_ scope: ThrottleScope) -> [Date] { limiters[scope]?.history ?? [] }

    /// Restores persisted send instants after a restart.
    public mutating func restoreSendHistory(_ history: [Date], for scope: ThrottleScope) {
        let limits: ThrottleLimits?
        switch scope {
        case .account(let name): limits = accountLimits[name]
        case .provider(let name): limits = providerLimits[name]
        }
        guard let limits else { return }
        limiters[scope] = RollingWindowLimiter(limits: limits.rateLimits, history: history)
    }

    // MARK: Connections

    /// Takes a connection slot for `account`; false when it already has `maxConnections`
    /// open. Every true must be balanced by `releaseConnection`.
    public mutating func acquireConnection(account: String) -> Bool {
        let open = connections[account, default: 0]
        if let maximum = accountLimits[account]?.maxConnections, open >= maximum { return false }
        connections[account] = open + 1
        return true
    }

    public mutating func releaseConnection(account: String) {
        let open = connections[account, default: 0]
        connections[account] = max(open - 1, 0)
    }

    public func openConnections(account: String) -> Int { connections[account, default: 0] }

    /// How many messages one connection may carry to `provider` through `account`: the
    /// smaller of the two scopes' limits, nil for no limit.
    public func maxMessagesPerConnection(account: String, provider: String) -> Int? {
        ThrottleLimits.smaller(accountLimits[account]?.maxMessagesPerConnection, providerLimits[provider]?.maxMessagesPerConnection)
    }

    // MARK: Suspensions

    /// Suspends `scope` after a reply classified `throttle` and returns the instant it may
    /// send again. The adaptive suspension doubles while throttles repeat within the quiet
    /// period; a suspension rule matching `replyText` sets a longer one.
    @discardableResult
    public mutating func noteThrottle(scope: ThrottleScope, replyText: String? = nil, now: Date) -> Date {
        var streak = 1
        if let previous = suspensions[scope] {
            if now < previous.suspendedUntil {
                // Replies to messages already in flight when the suspension began say
                // nothing new about the provider; they must not escalate it.
                streak = previous.streak
            } else if now.timeIntervalSince(previous.suspendedUntil) < suspensionPolicy.quietPeriod.policySeconds {
                streak = previous.streak + 1
            }
        }
        var duration = suspensionPolicy.suspension(forStreak: streak)
        var reason = "adaptive: throttle \(streak) in a row, \(duration.operatorDescription)"
        if let replyText {
            for rule in suspensionRules where rule.matches(scope: scope, replyText: replyText) && rule.duration > duration {
                duration = rule.duration
                reason = "rule \(rule.name): \(duration.operatorDescription)"
            }
        }
        let until = max(now.addingTimeInterval(duration.policySeconds), suspensions[scope]?.suspendedUntil ?? now)
        suspensions[scope] = SuspensionState(streak: streak, suspendedUntil: until, lastThrottleAt: now, reason: reason)
        return until
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

    /// Lifts a suspension at once (`mailctl resume`), forgetting the streak.
    public mutating func clearSuspension(_ scope: ThrottleScope) { suspensions[scope] = nil }
}
