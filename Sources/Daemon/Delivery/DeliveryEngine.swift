import Delivery
import Foundation
import Logging
import Queue
import Synchronization

/// The queue manager: starts due jobs, runs each account's SMTP workers, closes finished jobs,
/// and persists throttle history. Stopping lets every transaction on the wire finish, hands
/// unsent claims back to the queue and commits every outcome before returning.
final class DeliveryEngine: Sendable {
    let store: StoreAccess
    let settings: SettingsHolder
    let committer: OutcomeCommitter
    let throttle: ThrottleCoordinator
    let composers = ComposerCache()
    let breakers = BreakerBoard()
    let logger: Logger
    private let stopping = Atomic<Bool>(false)
    let activity = ActivityCounter()
    /// Wakes idle workers: a job started or resumed, recipients queued again, stopping.
    let work = WorkSignal()

    init(store: StoreAccess, settings: SettingsHolder, committer: OutcomeCommitter, throttle: ThrottleCoordinator, logger: Logger) {
        self.store = store
        self.settings = settings
        self.committer = committer
        self.throttle = throttle
        self.logger = logger
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        work.signal()
    }

    /// Runs until ``stop()``; returns when every worker is done and every outcome committed.
    func run() async {
        await withDiscardingTaskGroup { group in
            var started: Set<String> = []
            while !isStopping {
                // Accounts added by a reload get workers; removed ones stop by themselves.
                for (name, account) in settings.current.configuration.accounts where !started.contains(name) {
                    started.insert(name)
                    for index in 0..<account.concurrency {
                        let worker = AccountWorker(engine: self, account: name, index: index)
                        group.addTask { await worker.run() }
                    }
                }
                await housekeeping()
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        await housekeeping()
        await committer.flush()
    }

    private let lastHousekeeping = Atomic<Int64>(Int64(Date().timeIntervalSince1970))
    /// The send log is pruned hourly; rows older than every window are never read.
    private let lastPrune = Atomic<Int64>(0)

    /// False when the scheduler loop has not come round for a minute: stuck, and systemd's
    /// watchdog should restart the daemon.
    var isHealthy: Bool {
        isStopping || Int64(Date().timeIntervalSince1970) - lastHousekeeping.load(ordering: .relaxed) < 60
    }

    /// Job lifecycle and the send log, a few times a second.
    func housekeeping() async {
        lastHousekeeping.store(Int64(Date().timeIntervalSince1970), ordering: .relaxed)
        do {
            let now = Date()
            let started = try await store.run { try $0.startDueJobs(now: now) }
            for id in started { logger.info("job started", metadata: ["job_id": "\(id)"]) }
            if !started.isEmpty { work.signal() }
            let finished = try await store.run { try $0.finishCompletedJobs(now: now) }
            for id in finished {
                let counts = try? await store.run { try $0.counts(jobID: id) }
                logger.info("job completed", metadata: [
                    "job_id": "\(id)", "sent": "\(counts?.sent ?? 0)", "failed": "\(counts?.failed ?? 0)", "skipped": "\(counts?.skipped ?? 0)",
                ])
            }
            composers.forget(jobIDs: finished)
            await throttle.forget(jobIDs: finished)
            let sends = await throttle.drainSends()
            if !sends.isEmpty {
                try await store.run { try $0.recordSends(sends) }
            }
            let accounts = settings.current.configuration.accounts.keys.sorted()
            let (states, notes) = await throttle.housekeeping(accounts: accounts, now: now)
            if !states.isEmpty || !notes.isEmpty {
                try await store.run { store in
                    try store.saveThrottleStates(states, now: now)
                    for (account, note) in notes { try store.setThrottleNote(account: account, note: note, now: now) }
                }
            }
            if Int64(now.timeIntervalSince1970) - lastPrune.load(ordering: .relaxed) > 3600 {
                lastPrune.store(Int64(now.timeIntervalSince1970), ordering: .relaxed)
                let horizon = now.addingTimeInterval(-ThrottleCoordinator.historyHorizon - 86_400)
                try await store.run { try $0.prune(olderThan: horizon) }
            }
        } catch {
            logger.error("queue housekeeping failed; retrying", metadata: ["error": "\(error)"])
        }
    }
}

/// Per-job bounce breakers: a job whose first outcomes are mostly bounces pauses before it
/// ruins the sender's reputation.
final class BreakerBoard: Sendable {
    private let breakers = Mutex<[Int64: (breaker: BounceCircuitBreaker?, tripped: Bool)]>([:])

    /// Returns the reason once, when this outcome trips the job's breaker.
    func record(_ replyClass: ReplyClass, jobID: Int64, settings: RuntimeSettings) -> String? {
        breakers.withLock { board in
            var entry = board[jobID] ?? (Self.makeBreaker(settings), false)
            defer { board[jobID] = entry }
            guard let trip = entry.breaker?.record(replyClass), !entry.tripped else { return nil }
            entry.tripped = true
            return trip.reason
        }
    }

    /// nil only for settings the configuration check already refused.
    static func makeBreaker(_ settings: RuntimeSettings) -> BounceCircuitBreaker? {
        let delivery = settings.configuration.delivery
        let threshold = delivery.breakerThresholdPercent.map { min(Double($0) / 100, 0.99) } ?? DeliveryDefaults.breakerThreshold
        return (try? BounceCircuitBreaker(threshold: threshold, minimumOutcomes: delivery.breakerMinimumOutcomes ?? DeliveryDefaults.breakerMinimumOutcomes))
            ?? (try? BounceCircuitBreaker())
    }

    func reset(jobID: Int64) {
        breakers.withLock { $0[jobID] = nil }
    }
}

/// Messages sent, for the status line and the rate in `systemctl status`.
final class ActivityCounter: Sendable {
    private let sent = Atomic<Int>(0)
    func recordSent() { sent.wrappingAdd(1, ordering: .relaxed) }
    var totalSent: Int { sent.load(ordering: .relaxed) }
}
