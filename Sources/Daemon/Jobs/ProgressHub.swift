import Foundation
import IPC
import Queue

/// The latest status of each watched job, refreshed from the store at most every 200 ms
/// whatever the number of watchers: fifty `mailctl watch` cost one count query per interval,
/// and a stalled watcher only ever misses intermediate snapshots, it never queues them.
/// Completed and cancelled jobs do not change by themselves: their snapshot is kept until a
/// control request invalidates it.
actor ProgressHub {
    private let store: StoreAccess
    private let freshness: Duration
    private var cache: [Int64: (status: JobStatus, at: ContinuousClock.Instant)] = [:]
    private var refreshing: [Int64: Task<JobStatus?, any Error>] = [:]

    /// Only the control socket asks for snapshots: the hub lives on its thread, so a status
    /// request never waits for the cooperative pool that delivery keeps busy.
    nonisolated var unownedExecutor: UnownedSerialExecutor { ControlPlaneExecutor.shared.serialExecutor }

    init(store: StoreAccess, freshness: Duration = .milliseconds(200)) {
        self.store = store
        self.freshness = freshness
    }

    /// The job's status, nil when there is no such (visible) job.
    func status(of jobID: Int64) async throws -> JobStatus? {
        if let cached = cache[jobID], cached.status.isFinished || ContinuousClock.now - cached.at < freshness {
            return cached.status
        }
        if let task = refreshing[jobID] { return try await task.value }
        let store = self.store
        let task = Task(executorPreference: ControlPlaneExecutor.shared) { try await store.read { try JobStatusMapping.status(jobID: jobID, in: $0) } }
        refreshing[jobID] = task
        defer { refreshing[jobID] = nil }
        let status = try await task.value
        if let status { cache[jobID] = (status, ContinuousClock.now) } else { cache[jobID] = nil }
        return status
    }

    /// Forget a job's snapshot after a control request so the answer shows the change.
    func invalidate(_ jobID: Int64) {
        cache[jobID] = nil
    }
}

/// Queue records to the wire's view of a job.
enum JobStatusMapping {
    static func status(jobID: Int64, in store: QueueStore) throws -> JobStatus? {
        guard let job = try store.job(id: jobID, includingSpec: false), let state = wireState(job.state) else { return nil }
        return status(job, counts: try store.counts(jobID: jobID), state: state)
    }

    static func status(_ job: JobRecord, counts: Queue.RecipientCounts, state: JobStatus.State) -> JobStatus {
        let wireCounts = IPC.RecipientCounts(
            total: counts.total, pending: counts.pending, sending: counts.sending, sent: counts.sent, deferred: counts.deferred,
            failed: counts.failed, skipped: counts.skipped, cancelled: counts.cancelled)
        return JobStatus(jobID: job.id, name: job.name, account: job.account, ownerUID: UInt32(job.ownerUID), state: state,
                         pauseReason: job.pauseReason, counts: wireCounts, duplicates: job.duplicateCount, createdAt: job.createdAt,
                         sendAt: job.sendAt, startedAt: job.startedAt, finishedAt: job.finishedAt)
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
