import Foundation

/// Group commit for delivery outcomes: many workers submit, one transaction records them all.
///
/// A batch is committed when `maxBatch` outcomes are waiting or `maxDelay` after the first one
/// arrived, whichever comes first. `submit` returns only once the batch holding the outcome is
/// committed, so a worker that got back from `submit` knows the outcome survives a crash. With
/// N workers the commit rate is roughly one per `maxDelay` or per N outcomes instead of one per
/// outcome, which is what lets a slow disk keep up with thousands of messages a second.
public actor OutcomeCommitter {
    private let store: QueueStore
    private let maxBatch: Int
    private let maxDelay: Duration
    private let clock: any Clock<Duration>
    private var waiting: [(outcome: DeliveryOutcome, continuation: CheckedContinuation<Void, any Error>)] = []
    private var timer: Task<Void, Never>?
    /// Transactions this committer has made (a failed batch retried one by one counts each).
    public private(set) var batchesCommitted = 0
    public private(set) var outcomesCommitted = 0

    public init(store: QueueStore, maxBatch: Int = 500, maxDelay: Duration = .milliseconds(20),
                clock: any Clock<Duration> = ContinuousClock()) {
        self.store = store
        self.maxBatch = max(1, maxBatch)
        self.maxDelay = maxDelay
        self.clock = clock
    }

    /// Queues the outcome and returns once it is committed; throws the store's error if it could not be.
    public func submit(_ outcome: DeliveryOutcome) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            waiting.append((outcome, continuation))
            if waiting.count >= maxBatch {
                commitWaiting()
            } else if timer == nil {
                let clock = clock
                let delay = maxDelay
                timer = Task { [weak self] in
                    try? await clock.sleep(for: delay)
                    await self?.timerFired()
                }
            }
        }
    }

    /// Commits whatever is waiting now (for shutdown).
    public func flush() {
        commitWaiting()
    }

    private func timerFired() {
        timer = nil
        commitWaiting()
    }

    private func commitWaiting() {
        timer?.cancel()
        timer = nil
        guard !waiting.isEmpty else { return }
        let batch = waiting
        waiting = []
        do {
            try store.record(batch.map(\.outcome))
            batchesCommitted += 1
            outcomesCommitted += batch.count
            for entry in batch { entry.continuation.resume() }
        } catch {
            guard batch.count > 1 else {
                batch[0].continuation.resume(throwing: error)
                return
            }
            // One bad outcome (a recipient deleted meanwhile) must not fail its neighbours.
            for entry in batch {
                do {
                    try store.record([entry.outcome])
                    batchesCommitted += 1
                    outcomesCommitted += 1
                    entry.continuation.resume()
                } catch {
                    entry.continuation.resume(throwing: error)
                }
            }
        }
    }
}
