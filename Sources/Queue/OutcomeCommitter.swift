import Foundation

/// Group commit for delivery outcomes: many workers submit, one transaction records them all.
///
/// A batch is committed when `maxBatch` outcomes are waiting or `maxDelay` after the first one
/// arrived, whichever comes first. `submit` returns only once the batch holding the outcome is
/// committed, so a worker that got back from `submit` knows the outcome survives a crash. With
/// N workers the commit rate is roughly one per `maxDelay` or per N outcomes instead of one per
/// outcome, which is what lets a slow disk keep up with thousands of messages a second.
///
/// When the store cannot write for a reason that passes (disk full, database locked or made
/// read-only), the outcomes are kept and the commit retried with a growing pause instead of
/// failing: the messages were sent, and forgetting that would send them again. Workers wait in
/// `submit` meanwhile, so sending pauses by itself until space returns.
public actor OutcomeCommitter {
    /// Told when writing starts failing (with the error) and when it works again (nil), so the
    /// daemon can log the reason once and show it in its status.
    public typealias StorageObserver = @Sendable (QueueError?) -> Void
    private let store: QueueStore
    private let maxBatch: Int
    private let maxDelay: Duration
    private let clock: any Clock<Duration>
    private var waiting: [(outcome: DeliveryOutcome, continuation: CheckedContinuation<Void, any Error>)] = []
    private var timer: Task<Void, Never>?
    /// Transactions this committer has made (a failed batch retried one by one counts each).
    public private(set) var batchesCommitted = 0
    public private(set) var outcomesCommitted = 0
    /// Why outcomes cannot be written right now, or nil when the store writes.
    public private(set) var storageProblem: QueueError?
    private var retryDelay: Duration = .zero
    private let observer: StorageObserver?
    /// The longest pause between two attempts while the store cannot write.
    static let maximumRetryDelay: Duration = .seconds(5)

    public init(store: QueueStore, maxBatch: Int = 500, maxDelay: Duration = .milliseconds(20),
                clock: any Clock<Duration> = ContinuousClock(), observer: StorageObserver? = nil) {
        self.store = store
        self.maxBatch = max(1, maxBatch)
        self.maxDelay = maxDelay
        self.clock = clock
        self.observer = observer
    }

    /// Queues the outcome and returns once it is committed; throws the store's error if it could not be.
    public func submit(_ outcome: DeliveryOutcome) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            waiting.append((outcome, continuation))
            if storageProblem != nil {
                // The retry timer owns the next attempt.
            } else if waiting.count >= maxBatch {
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

    /// Failures that go away without anybody touching maild: the commit is retried.
    static func passes(_ error: any Error) -> Bool {
        switch error as? QueueError {
        case .diskFull?, .locked?, .readOnly?: return true
        default: return false
        }
    }

    private func scheduleRetry() {
        retryDelay = retryDelay == .zero ? .milliseconds(100) : min(retryDelay * 2, Self.maximumRetryDelay)
        let clock = clock
        let delay = retryDelay
        timer = Task { [weak self] in
            try? await clock.sleep(for: delay)
            await self?.timerFired()
        }
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
            if storageProblem != nil {
                storageProblem = nil
                retryDelay = .zero
                observer?(nil)
            }
        } catch where Self.passes(error) {
            // Keep everything, oldest first, and try again later.
            waiting = batch + waiting
            let problem = error as? QueueError
            if storageProblem != problem {
                storageProblem = problem
                observer?(problem)
            }
            scheduleRetry()
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
