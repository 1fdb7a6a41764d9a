import Delivery
import Foundation
import Queue

/// One owner for the throttle state every worker shares: rate windows per account and
/// provider, connection counts, suspensions after throttle replies.
actor ThrottleCoordinator {
    private var throttle: DeliveryThrottle
    private var pendingSends: [(account: String, provider: String, at: Date)] = []

    init(settings: RuntimeSettings, store: QueueStore, now: Date = Date()) {
        throttle = DeliveryThrottle(accounts: settings.accountLimits, providerTable: settings.providers)
        // Rolling windows survive restarts: a daily cap that was used up stays used up.
        let since = now.addingTimeInterval(-86_400)
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

    /// Takes a send slot now, or says when one will be free.
    func reserve(account: String, provider: String, now: Date = Date()) -> Date? {
        let earliest = throttle.earliestSend(account: account, provider: provider, now: now)
        guard earliest <= now else { return earliest }
        throttle.recordSend(account: account, provider: provider, at: now)
        pendingSends.append((account, provider, now))
        return nil
    }

    /// Sends taken since the last call, for the store's send log.
    func drainSends() -> [(account: String, provider: String, at: Date)] {
        defer { pendingSends = [] }
        return pendingSends
    }

    func noteThrottle(account: String, provider: String, replyText: String, now: Date = Date()) -> Date {
        let scope: ThrottleScope = provider == ProviderTable.defaultProviderName ? .account(account) : .provider(provider)
        return throttle.noteThrottle(scope: scope, replyText: replyText, now: now)
    }

    func noteSuccess(account: String, provider: String, now: Date = Date()) {
        throttle.noteSuccess(scope: .account(account), now: now)
        throttle.noteSuccess(scope: .provider(provider), now: now)
    }

    func updateLimits(_ settings: RuntimeSettings) {
        for (account, limits) in settings.accountLimits { throttle.setLimits(limits, for: .account(account)) }
    }
}
