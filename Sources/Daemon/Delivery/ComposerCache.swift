import Delivery
import Foundation
import Message
import Queue
import Synchronization

/// Templates are parsed once per job, not once per message: the composer for each running
/// job, built from the spec stored with it.
final class ComposerCache: Sendable {
    /// What a worker needs of a job for each of its messages.
    struct JobContext: Sendable {
        var composer: MessageComposer
        /// The campaign's own `rate_limits` (the job's throttle scope); nil when it sets none.
        var rateLimits: ThrottleLimits?
    }

    private let composers = Mutex<[Int64: JobContext]>([:])

    func context(jobID: Int64, store: StoreAccess) async throws -> JobContext {
        if let cached = composers.withLock({ $0[jobID] }) { return cached }
        guard let job = try await store.run({ try $0.job(id: jobID) }) else {
            throw ComposerCacheError(jobID: jobID, detail: "job no longer exists")
        }
        let spec = try CampaignWire.decodeSpec(job.spec)
        let context = JobContext(composer: try MessageComposer(spec: spec),
                                 rateLimits: spec.rateLimits.map { ThrottleLimits(perSecond: $0.perSecond, perMinute: $0.perMinute, perHour: $0.perHour, perDay: $0.perDay) })
        composers.withLock { $0[jobID] = context }
        return context
    }

    func forget(jobIDs: [Int64]) {
        composers.withLock { cache in for id in jobIDs { cache[id] = nil } }
    }
}

struct ComposerCacheError: Error, CustomStringConvertible {
    var jobID: Int64
    var detail: String
    var description: String { "job \(jobID): \(detail)" }
}
