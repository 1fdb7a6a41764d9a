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
    /// The workers running now, so a reload that adds an account (or one removed and added
    /// back) or raises its `concurrency` gets its new workers.
    private let runningWorkers = Mutex<Set<WorkerSlot>>([])
    /// Jobs paused or cancelled while workers hold claims of theirs (refreshed by
    /// housekeeping): those claims are given back instead of sent.
    private let haltedJobs = Mutex<Set<Int64>>([])
    /// Halts and resumes this process made itself, with when: housekeeping's read of the queue
    /// may predate them, so those made after the read began win over it.
    private let localHaltChanges = Mutex<[Int64: (halted: Bool, at: ContinuousClock.Instant)]>([:])

    struct WorkerSlot: Hashable, Sendable {
        var account: String
        var index: Int
    }

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
            while !isStopping {
                // Accounts added by a reload, and workers a raised `concurrency` allows, start
                // here; a worker whose account was removed or whose index is beyond the new
                // concurrency stops by itself and leaves its slot.
                for (name, account) in settings.current.configuration.accounts {
                    for index in 0..<account.concurrency {
                        let slot = WorkerSlot(account: name, index: index)
                        guard runningWorkers.withLock({ $0.insert(slot).inserted }) else { continue }
                        let worker = AccountWorker(engine: self, account: name, index: index)
                        group.addTask {
                            await worker.run()
                            self.workerStopped(slot)
                        }
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

    private func workerStopped(_ slot: WorkerSlot) {
        _ = runningWorkers.withLock { $0.remove(slot) }
    }

    /// A job paused or cancelled here (the bounce breaker, an operator): halted at once,
    /// before the next housekeeping reads it from the queue.
    func noteHalted(jobID: Int64) {
        _ = haltedJobs.withLock { $0.insert(jobID) }
        localHaltChanges.withLock { $0[jobID] = (true, .now) }
    }

    /// An operator resumed the job: its breaker judges the next outcomes anew (a tripped one
    /// would ignore them and never trip again), and its claims are no longer given back.
    func jobResumed(_ jobID: Int64) {
        breakers.reset(jobID: jobID)
        _ = haltedJobs.withLock { $0.remove(jobID) }
        localHaltChanges.withLock { $0[jobID] = (false, .now) }
    }

    /// An operator cancelled the job: its breaker will judge nothing more.
    func jobCancelled(_ jobID: Int64) {
        breakers.forget(jobIDs: [jobID], forGood: true)
    }

    /// True when the job was paused or cancelled after its recipients were claimed.
    func isHalted(jobID: Int64) -> Bool {
        haltedJobs.withLock { $0.contains(jobID) }
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
            breakers.forget(jobIDs: finished)
            await throttle.forget(jobIDs: finished)
            let readStarted = ContinuousClock.now
            var halted = try await store.run { try $0.haltedJobsWithClaims(now: now) }
            // A halt or resume made here while the read ran may be missing from it: those win.
            // Older ones are in the read, and are dropped.
            let recent = localHaltChanges.withLock { changes in
                changes = changes.filter { $0.value.at >= readStarted }
                return changes
            }
            for (id, change) in recent {
                if change.halted { halted.insert(id) } else { halted.remove(id) }
            }
            haltedJobs.withLock { $0 = halted }
            let sends = await throttle.unwrittenSendsToWrite()
            if !sends.isEmpty {
                try await store.run { try $0.recordSends(sends) }
                await throttle.sendsWritten(sends.count)
            }
            let accounts = settings.current.configuration.accounts.keys.sorted()
            let (states, notes) = await throttle.housekeeping(accounts: accounts, now: now)
            if !states.isEmpty || !notes.isEmpty {
                let inForce = await throttle.notesInForce
                try await store.run { store in
                    try store.saveThrottleStates(states, now: now)
                    for (account, note) in notes { try store.setThrottleNote(account: account, note: note, now: now) }
                    if !notes.isEmpty { try store.setSharedThrottleNotes(inForce, now: now) }
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

/// Messages sent, for the status line and the rate in `systemctl status`.
final class ActivityCounter: Sendable {
    private let sent = Atomic<Int>(0)
    func recordSent() { sent.wrappingAdd(1, ordering: .relaxed) }
    var totalSent: Int { sent.load(ordering: .relaxed) }
}
