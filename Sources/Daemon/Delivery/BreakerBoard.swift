import Delivery
import Foundation
import Logging
import Queue
import Synchronization

/// Per-job bounce breakers: a job whose first outcomes are mostly bounces pauses before it
/// ruins the sender's reputation.
///
/// A breaker lives in memory, and is rebuilt from the job's stored outcomes the first time
/// this daemon judges a job that sent before it started, so a restart does not give a bad list
/// a fresh start (``prepare(jobID:settings:store:logger:)``).
final class BreakerBoard: Sendable {
    private struct Entry {
        var breaker: BounceCircuitBreaker?
        /// The trip was reported (the job paused); or, without a breaker, the job is done for good.
        var tripped: Bool
    }

    private struct State {
        var entries: [Int64: Entry] = [:]
        /// One read of a job's history at a time, whatever the number of workers asking.
        var loading: [Int64: Task<Void, Never>] = [:]
        /// Bumped by every reset, so a read that began before it does not bring the old history back.
        var generations: [Int64: UInt64] = [:]
    }

    private let state = Mutex(State())
    /// Jobs that sent only after this instant have no history this board has not seen.
    private let startedAt: Date

    init(startedAt: Date = Date()) {
        self.startedAt = startedAt
    }

    /// Returns the reason once, when this outcome trips the job's breaker. Only final outcomes
    /// (success, bounce, reject) count; the others neither count nor start a breaker.
    func record(_ replyClass: ReplyClass, jobID: Int64, settings: RuntimeSettings) -> String? {
        guard Self.isFinal(replyClass) else { return nil }
        return state.withLock { state in
            var entry = state.entries[jobID] ?? Entry(breaker: Self.makeBreaker(settings), tripped: false)
            defer { state.entries[jobID] = entry }
            guard let trip = entry.breaker?.record(replyClass), !entry.tripped else { return nil }
            entry.tripped = true
            return trip.reason
        }
    }

    static func isFinal(_ replyClass: ReplyClass) -> Bool {
        replyClass == .success || replyClass == .bounce || replyClass == .reject
    }

    /// Rebuilds a job's breaker from the outcomes stored since it last started afresh, before
    /// the first outcome this daemon judges for it (call it before `record`): a restart does
    /// not give a bad list a fresh start, and a breaker maild stopped before it could act on
    /// trips at the job's next outcome. Jobs that began (or were resumed) since this daemon
    /// started are not read: everything they did is in memory.
    func prepare(jobID: Int64, settings: RuntimeSettings, store: StoreAccess, logger: Logger) async {
        let since = startedAt
        let load: Task<Void, Never>? = state.withLock { state in
            if state.entries[jobID] != nil { return nil }
            if let running = state.loading[jobID] { return running }
            guard let template = Self.makeBreaker(settings) else { return nil }
            let generation = state.generations[jobID, default: 0]
            let task = Task { [weak self] in
                var restored = template
                do {
                    let history = try await store.read {
                        try $0.breakerOutcomes(jobID: jobID, first: template.minimumOutcomes, last: template.window, sentBefore: since)
                    }
                    let classes = { (names: [String]) in names.compactMap(ReplyClass.init(rawValue:)) }
                    restored = (try? BounceCircuitBreaker(threshold: template.threshold, minimumOutcomes: template.minimumOutcomes,
                                                          window: template.window, first: classes(history.first),
                                                          last: classes(history.last), total: history.total)) ?? template
                } catch {
                    logger.error("cannot read the job's outcomes; its bounce breaker starts afresh", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
                }
                self?.state.withLock { state in
                    state.loading[jobID] = nil
                    if state.generations[jobID, default: 0] == generation, state.entries[jobID] == nil {
                        state.entries[jobID] = Entry(breaker: restored, tripped: false)
                    }
                }
            }
            state.loading[jobID] = task
            return task
        }
        await load?.value
    }

    /// nil only for settings the configuration check already refused.
    static func makeBreaker(_ settings: RuntimeSettings) -> BounceCircuitBreaker? {
        let delivery = settings.configuration.delivery
        let threshold = delivery.breakerThresholdPercent.map { min(Double($0) / 100, 0.99) } ?? DeliveryDefaults.breakerThreshold
        return (try? BounceCircuitBreaker(threshold: threshold, minimumOutcomes: delivery.breakerMinimumOutcomes ?? DeliveryDefaults.breakerMinimumOutcomes))
            ?? (try? BounceCircuitBreaker())
    }

    /// The operator resumed the job: its breaker judges the next outcomes anew.
    func reset(jobID: Int64) {
        state.withLock { state in
            state.entries[jobID] = nil
            state.generations[jobID, default: 0] &+= 1
        }
    }

    /// Completed jobs need no breaker: without this the board would grow with every job (one
    /// reopened by retry-failed gets a new one). A cancelled job's (`forGood`) judges nothing
    /// more, not even the outcomes of messages still on the wire.
    func forget(jobIDs: [Int64], forGood: Bool = false) {
        state.withLock { state in
            for id in jobIDs {
                state.entries[id] = forGood ? Entry(breaker: nil, tripped: true) : nil
                state.generations[id, default: 0] &+= 1
            }
        }
    }
}
