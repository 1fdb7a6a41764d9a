import Foundation
import IPC
import Queue

/// The latest status of each watched job, shared by every client: fifty `mailctl watch` and
/// any number of status requests cost one count query per job and refresh interval, and a
/// stalled watcher only ever misses intermediate snapshots, it never queues them.
///
/// A snapshot older than the interval, but younger than two, is still answered at once while
/// one refresh runs behind it (stale-while-revalidate): counting a large job's recipients takes tens of
/// milliseconds, and requests that waited for it were the slowest answers of a loaded
/// daemon. Only a job without a snapshot, or one a control request just changed, waits for
/// the store. The interval grows with the count query's cost (at least three times its
/// duration), so a million-recipient job is not counted back to back.
///
/// A finished job's snapshot is refreshed like a running one's while any of its recipients is
/// still `sending`: a cancel leaves the messages already on the wire to finish and record their
/// outcome afterwards. Once none is, it no longer changes by itself, and the snapshot is kept
/// until a control request invalidates it.
actor ProgressHub {
    private struct Snapshot {
        var status: JobStatus
        var at: ContinuousClock.Instant
        /// How long the count behind it took, which sets the interval before the next one.
        var cost: Duration
    }

    private struct Refresh {
        var generation: UInt64
        var task: Task<JobStatus?, any Error>
    }

    private let store: StoreAccess
    private let freshness: Duration
    private var cache: [Int64: Snapshot] = [:]
    private var refreshing: [Int64: Refresh] = [:]
    /// Bumped by `invalidate`: a refresh that started before a change never answers after it.
    private var generations: [Int64: UInt64] = [:]

    /// Only the control socket asks for snapshots: the hub lives on its thread, so a status
    /// request never waits for the cooperative pool that delivery keeps busy.
    nonisolated var unownedExecutor: UnownedSerialExecutor { ControlPlaneExecutor.shared.serialExecutor }

    init(store: StoreAccess, freshness: Duration = .milliseconds(200)) {
        self.store = store
        self.freshness = freshness
    }

    /// The job's status, nil when there is no such (visible) job.
    func status(of jobID: Int64) async throws -> JobStatus? {
        if let snapshot = cache[jobID] {
            let interval = max(freshness, snapshot.cost * 3)
            let age = ContinuousClock.now - snapshot.at
            if Self.canStillChange(snapshot.status), age >= interval {
                let pending = refresh(jobID)
                // Stale-while-revalidate serves the requests that come every interval (watchers,
                // pollers). A snapshot nobody asked for since is as old as the last request:
                // a script polling every minute would always read the previous minute's state.
                // If that read fails the old snapshot is still better than no answer.
                if age >= interval * 2 { return (try? await pending.value) ?? snapshot.status }
            }
            return snapshot.status
        }
        return try await refresh(jobID).value
    }

    /// Whether the job's counts can move without a control request: a job is running, or it is
    /// finished (cancelled) with outcomes still to come from the messages on the wire.
    static func canStillChange(_ status: JobStatus) -> Bool {
        !status.isFinished || status.counts.sending > 0
    }

    /// Forget a job's snapshot after a control request so the answer shows the change.
    func invalidate(_ jobID: Int64) {
        cache[jobID] = nil
        generations[jobID, default: 0] += 1
    }

    /// The refresh in flight for this generation of the job, or a new one.
    private func refresh(_ jobID: Int64) -> Task<JobStatus?, any Error> {
        let generation = generations[jobID, default: 0]
        if let running = refreshing[jobID], running.generation == generation { return running.task }
        let store = self.store
        let task = Task(executorPreference: ControlPlaneExecutor.shared) { [weak self] () async throws -> JobStatus? in
            let started = ContinuousClock.now
            do {
                let status = try await store.read { try JobStatusMapping.status(jobID: jobID, in: $0) }
                await self?.record(status, of: jobID, generation: generation, started: started)
                return status
            } catch {
                await self?.record(failureOf: jobID, generation: generation)
                throw error
            }
        }
        refreshing[jobID] = Refresh(generation: generation, task: task)
        return task
    }

    private func record(_ status: JobStatus?, of jobID: Int64, generation: UInt64, started: ContinuousClock.Instant) {
        guard generations[jobID, default: 0] == generation else { return }
        refreshing[jobID] = nil
        let now = ContinuousClock.now
        if let status {
            cache[jobID] = Snapshot(status: status, at: now, cost: now - started)
        } else {
            cache[jobID] = nil
        }
    }

    /// A failed refresh keeps the last snapshot (if any); the next request tries again.
    private func record(failureOf jobID: Int64, generation: UInt64) {
        guard generations[jobID, default: 0] == generation else { return }
        refreshing[jobID] = nil
    }
}

/// Queue records to the wire's view of a job.
enum JobStatusMapping {
    static func status(jobID: Int64, in store: QueueStore) throws -> JobStatus? {
        guard let job = try store.job(id: jobID, includingSpec: false), let state = wireState(job.state) else { return nil }
        return status(job, counts: try store.counts(jobID: jobID), state: state, accounts: try store.accounts(ofJob: jobID))
    }

    static func status(_ job: JobRecord, counts: Queue.RecipientCounts, state: JobStatus.State, accounts: [JobAccount] = []) -> JobStatus {
        let wireCounts = IPC.RecipientCounts(
            total: counts.total, pending: counts.pending, sending: counts.sending, sent: counts.sent, deferred: counts.deferred,
            failed: counts.failed, skipped: counts.skipped, cancelled: counts.cancelled)
        // A finished job's account pauses no longer matter.
        let pauses = job.state.isFinished ? [] : accounts.compactMap { account in
            account.pausedBecause.map { AccountPause(account: account.name, reason: $0) }
        }
        return JobStatus(jobID: job.id, name: job.name, account: job.account, ownerUID: UInt32(job.ownerUID), state: state,
                         pauseReason: job.pauseReason, counts: wireCounts, duplicates: job.duplicateCount, createdAt: job.createdAt,
                         sendAt: job.sendAt, startedAt: job.startedAt, finishedAt: job.finishedAt,
                         accounts: accounts.count > 1 ? accounts.map(\.name) : nil,
                         accountPauses: pauses.isEmpty ? nil : pauses)
    }

    /// Staging jobs are uploads in progress: they do not exist for operators yet.
    static func wireState(_ state: JobState) -> JobStatus.State? {
        switch state {
        case .staging: return nil
        case .queued: return .queued
        case .scheduled: return .scheduled
        case .running: return .running
        case .paused: return .paused
        case .completed: return .completed
        case .cancelled: return .cancelled
        }
    }
}
