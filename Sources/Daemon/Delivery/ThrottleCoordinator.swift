import Delivery
import Foundation
import Logging
import Queue

/// One owner for the throttle state every worker shares: rate windows per account, provider
/// and job, connection slots, cool-downs after throttle replies, quota pauses and the
/// adaptive (AIMD) rate. Every change of a scope is logged with its reason, persisted, and
/// shown on the running jobs it slows down (`mailctl status`).
actor ThrottleCoordinator {
    private var throttle: DeliveryThrottle
    private var pendingSends: [QueueStore.SendLogEntry] = []
    /// Pending sends already in the log with their outcome: readers of the log plus the
    /// pending sends count them once.
    private var loggedWithOutcome: Set<Int64> = []
    private var changedScopes: Set<ThrottleScope> = []
    private var notes: [String: String] = [:]
    private let store: QueueStore
    private let logger: Logger

    /// Send history older than this is never needed: no window is longer (a week is the
    /// longest period `RateLimit` names).
    static let historyHorizon: TimeInterval = 7 * 86_400

    init(settings: RuntimeSettings, store: QueueStore, logger: Logger = Logger(label: "maild"), now: Date = Date()) {
        self.store = store
        self.logger = logger
        throttle = DeliveryThrottle(accounts: settings.accountLimits, providerTable: settings.providers,
                                    suspensionPolicy: settings.suspensionPolicy, extraSuspensionRules: settings.suspensionRules,
                                    adaptivePolicy: settings.adaptivePolicy)
        // Cool-downs, quota pauses and reduced rates survive restarts; restored first, so that a
        // rate learned for a scope with no configured one gets its history below.
        for row in (try? store.throttleStates()) ?? [] {
            throttle.restoreSuspension(row.suspension, for: row.scope)
            throttle.restoreAdaptiveState(row.adaptive, for: row.scope)
        }
        // Rolling windows survive restarts: a daily cap that was used up stays used up.
        let since = now.addingTimeInterval(-Self.historyHorizon)
        for account in settings.accountLimits.keys {
            if let history = try? store.sendTimes(account: account, since: since) {
                throttle.restoreSendHistory(history, for: .account(account))
            }
        }
        for provider in settings.providers.providers {
            if let history = try? store.sendTimes(provider: provider.name, since: since) {
                throttle.restoreSendHistory(history, for: .provider(provider.name))
            }
        }
    }

    /// The answer to `reserve`: a slot taken at an instant (give it back to `complete`), or
    /// the earliest instant one will be free.
    enum Reservation: Sendable {
        case reserved(at: Date)
        /// `scope` is the one that holds the message back longest: the account, its
        /// recipient's provider, or its job.
        case wait(until: Date, scope: ThrottleScope)
    }

    /// Takes a send slot now, or says when one will be free. A job's campaign limits are
    /// registered (with their history from the send log) the first time the job sends. The
    /// slot counts as in flight until `complete`: limits then hold at the relay too.
    func reserve(account: String, provider: String, job: Int64? = nil, jobLimits: ThrottleLimits? = nil, now: Date = Date()) -> Reservation {
        recover(now: now)
        if let job, let jobLimits, throttle.limits(of: .job(job)) == nil {
            throttle.setLimits(jobLimits, for: .job(job))
            if let history = try? store.sendTimes(jobID: job, since: now.addingTimeInterval(-Self.historyHorizon)) {
                throttle.restoreSendHistory(history, for: .job(job))
            }
        }
        let earliest = throttle.earliestSend(account: account, provider: provider, job: job, now: now)
        guard earliest <= now else {
            return .wait(until: earliest, scope: throttle.blockingScope(account: account, provider: provider, job: job, now: now) ?? .account(account))
        }
        throttle.recordSend(account: account, provider: provider, job: job, at: now, inFlight: true)
        return .reserved(at: now)
    }

    /// The message of a reservation got its final answer (or failed): its send counts at
    /// `now` from here on, and goes into the send log: with the message's outcome when the
    /// caller attaches the returned entry to it, else (and in any case) at housekeeping.
    @discardableResult
    func complete(account: String, provider: String, job: Int64?, reservedAt: Date, now: Date = Date()) -> QueueStore.SendLogEntry {
        throttle.completeSend(account: account, provider: provider, job: job, reservedAt: reservedAt, at: now)
        let entry = QueueStore.SendLogEntry(account: account, provider: provider, jobID: job, at: max(now, reservedAt),
                                            sendID: Int64.random(in: Int64.min...Int64.max))
        pendingSends.append(entry)
        return entry
    }

    /// When the account's own suspension (a cool-down or a quota pause) ends; nil when it may
    /// send. Workers check it before claiming, so a paused account does not churn claims.
    func accountSuspendedUntil(_ account: String, now: Date = Date()) -> Date? {
        throttle.suspendedUntil(.account(account), now: now)
    }

    /// When the account may send again by its own limits: a suspension, or a rate window used
    /// up (its `per_day`, say); nil when it may send now.
    func accountWaitsUntil(_ account: String, now: Date = Date()) -> Date? {
        throttle.accountAvailableAt(account, now: now)
    }

    /// A slot of the provider's `max_connections`: sessions carrying its messages at once.
    func acquireConnection(provider: String) -> Bool { throttle.acquireConnection(.provider(provider)) }

    func releaseConnection(provider: String) { throttle.releaseConnection(.provider(provider)) }

    /// How far apart messages waiting for `scope` should become due (its rate), nil without one.
    func sustainedSpacing(of scope: ThrottleScope) -> TimeInterval? { throttle.sustainedSpacing(scope) }

    /// What a scope sent in the minute before `now` (the send log and the sends not written
    /// yet): the rate a throttle reply halves when the scope has no configured one.
    private func sendsInTheLastMinute(of scope: ThrottleScope, now: Date) -> Int? {
        let since = now.addingTimeInterval(-60)
        switch scope {
        case .account(let account):
            guard let logged = try? store.sendTimes(account: account, since: since) else { return nil }
            return logged.count + unwrittenSends { $0.account == account && $0.at >= since }.count
        case .provider(let provider):
            guard let logged = try? store.sendTimes(provider: provider, since: since) else { return nil }
            return logged.count + unwrittenSends { $0.provider == provider && $0.at >= since }.count
        case .job:
            return nil
        }
    }

    /// Completed sends not in the send log yet, oldest first.
    private func unwrittenSends(_ matching: (QueueStore.SendLogEntry) -> Bool) -> [Date] {
        pendingSends.filter { matching($0) && !($0.sendID.map(loggedWithOutcome.contains) ?? false) }.map(\.at).sorted()
    }

    /// The send went into the log with its message's outcome (committed).
    func sendLogged(_ sendID: Int64) {
        loggedWithOutcome.insert(sendID)
    }

    /// Sends taken since the last call, for the store's send log.
    func unwrittenSendsToWrite() -> [QueueStore.SendLogEntry] { pendingSends }

    /// The first `count` pending sends are in the send log now. They stay pending until then,
    /// so a failed write (a full disk, a locked database) loses none, and what reads the log
    /// plus the pending sends (a reload, a learned rate) never misses one in between.
    func sendsWritten(_ count: Int) {
        pendingSends.removeFirst(min(count, pendingSends.count))
        // Forget the marks of sends no longer pending (and of any that came after its write).
        if !loggedWithOutcome.isEmpty {
            let pending = Set(pendingSends.compactMap(\.sendID))
            loggedWithOutcome = loggedWithOutcome.filter(pending.contains)
        }
    }

    /// A throttle reply: through a relay, the relay (account) is the one asking unless the
    /// recipient's provider is a known one. A quota reply pauses the account until the
    /// oldest send of its window leaves it.
    @discardableResult
    func noteThrottle(account: String, provider: String, code: Int?, replyText: String, rule: String, learnsRate: Bool = true,
                      now: Date = Date()) -> ThrottleAdjustment {
        let adjustment: ThrottleAdjustment
        if QuotaReply.isQuota(replyClass: .throttle, code: code, text: replyText) {
            let oldest = try? store.sendTimes(account: account, since: now.addingTimeInterval(-DeliveryDefaults.quotaWindow.policySecondsForDaemon)).first
            let until = QuotaReply.resetInstant(oldestSendInWindow: oldest ?? nil, now: now)
            adjustment = throttle.suspend(.account(account), until: until, reason: "quota reply (rule \(rule)): paused until the daily window resets", now: now)
        } else {
            let scope: ThrottleScope = provider == ProviderTable.defaultProviderName ? .account(account) : .provider(provider)
            let observed = learnsRate ? sendsInTheLastMinute(of: scope, now: now).flatMap { $0 >= Self.smallestLearnedRate ? $0 : nil } : nil
            adjustment = throttle.throttled(scope, replyText: replyText, observedPerMinute: observed, now: now)
        }
        changedScopes.insert(adjustment.scope)
        logger.notice("throttled: slowing down", metadata: [
            "scope": "\(adjustment.scope)", "provider": "\(provider)", "account": "\(account)", "rule": "\(rule)",
            "smtp_code": "\(code.map(String.init) ?? "")", "reason": "\(adjustment.reason)",
            "rate_percent": "\(Int((adjustment.fraction * 100).rounded()))",
            "until": "\(adjustment.suspendedUntil?.formatted(.iso8601) ?? "")",
        ])
        return adjustment
    }

    /// A throttle reply before any recipient was named (a 421 greeting: too many connections,
    /// try later): only the relay can be asking, so the account slows down, whatever the
    /// recipients' providers.
    ///
    /// It says nothing about the message rate (it refused a connection), so no rate is learned
    /// from it: the cool-down is the brake.
    @discardableResult
    func noteSessionThrottle(account: String, code: Int?, replyText: String, rule: String, now: Date = Date()) -> ThrottleAdjustment {
        noteThrottle(account: account, provider: ProviderTable.defaultProviderName, code: code, replyText: replyText, rule: rule,
                     learnsRate: false, now: now)
    }

    /// Below this many messages in the minute before a throttle reply, a scope with no
    /// configured rate learns none: a handful of sends is not a rate the relay objected to
    /// (its reply is about something else, such as connections or a quota), and halving it
    /// would crawl at one message every few minutes.
    static let smallestLearnedRate = 10

    func noteSuccess(account: String, provider: String, now: Date = Date()) {
        throttle.noteSuccess(scope: .account(account), now: now)
        throttle.noteSuccess(scope: .provider(provider), now: now)
    }

    /// Additive increase after clean windows, logged.
    private func recover(now: Date) {
        for change in throttle.recover(now: now) {
            changedScopes.insert(change.scope)
            logger.info("throttle easing", metadata: [
                "scope": "\(change.scope)", "reason": "\(change.reason)", "rate_percent": "\(Int((change.fraction * 100).rounded()))",
            ])
        }
    }

    /// Persists the scopes that changed and returns the status note of each account whose
    /// note changed (nil: nothing in force any more), for its running jobs.
    func housekeeping(accounts: [String], now: Date = Date()) -> (states: [QueueStore.ThrottleStateRow], notes: [String: String?]) {
        recover(now: now)
        let states = changedScopes.map { QueueStore.ThrottleStateRow(scope: $0, suspension: throttle.suspensionState($0), adaptive: throttle.adaptiveState($0)) }
        changedScopes = []
        let adjustments = throttle.adjustments(now: now)
        var changed: [String: String?] = [:]
        for account in accounts {
            let relevant = adjustments.filter {
                switch $0.scope {
                case .account(let name): return name == account
                case .provider: return true
                case .job: return false
                }
            }
            let note = relevant.isEmpty ? nil : QueueStore.throttleNotePrefix + relevant.map(\.description).joined(separator: "; ")
            // A note in force is written every time (a no-op for jobs that have it) so jobs
            // that started since see it too; a cleared one once.
            if notes[account] != note || note != nil {
                notes[account] = note
                changed[account] = .some(note)
            }
        }
        return (states, changed)
    }

    /// The note in force of each account (only those with one).
    var notesInForce: [String: String] { notes }

    /// Forgets finished jobs' scopes.
    func forget(jobIDs: [Int64]) {
        for id in jobIDs { throttle.removeScope(.job(id)) }
    }

    /// A reload. A scope whose limits changed reads its history back from the send log (plus
    /// the sends not written yet): a `per_day = 500` added after 500 sends today, or a count
    /// raised beyond what the old limit remembered, must count the day's sends.
    func updateLimits(_ settings: RuntimeSettings, now: Date = Date()) {
        let since = now.addingTimeInterval(-Self.historyHorizon)
        for (account, limits) in settings.accountLimits where throttle.limits(of: .account(account)) != limits {
            let history = (try? store.sendTimes(account: account, since: since)).map { $0 + unwrittenSends { $0.account == account } }
            throttle.setLimits(limits, for: .account(account), completedHistory: history)
        }
        for provider in settings.providers.providers where throttle.limits(of: .provider(provider.name)) != provider.limits {
            let history = (try? store.sendTimes(provider: provider.name, since: since)).map { $0 + unwrittenSends { $0.provider == provider.name } }
            throttle.setLimits(provider.limits, for: .provider(provider.name), completedHistory: history)
        }
        throttle.suspensionPolicy = settings.suspensionPolicy
        throttle.adaptivePolicy = settings.adaptivePolicy
        throttle.suspensionRules = settings.suspensionRules + settings.providers.providers.flatMap(\.suspensionRules)
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`, for `Date` arithmetic in the daemon.
    var policySecondsForDaemon: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
