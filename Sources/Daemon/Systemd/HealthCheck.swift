import Foundation
import Queue
import Synchronization

/// What the watchdog asks before every ping: can maild still make progress? Two real checks,
/// each covering a way maild hangs without crashing:
/// - the store takes its write lock (an empty IMMEDIATE transaction, the same path every claim
///   and outcome takes). Reads would not do: in WAL mode they succeed while another process
///   holds the write lock and no delivery can be recorded;
/// - the scheduler loop has come round recently (``DeliveryEngine/isHealthy``).
struct HealthCheck: Sendable {
    let store: StoreAccess
    let engine: DeliveryEngine

    /// nil when healthy, otherwise why not, for the operator.
    func failure() async -> String? {
        if engine.isStopping { return nil }
        guard engine.isHealthy else {
            return "the scheduler loop has not come round for over a minute"
        }
        do {
            // An IMMEDIATE write transaction that changes no row: reads succeed while another
            // process holds the write lock, so only a write shows a stuck store.
            try await store.run { try $0.probeWriteLock() }
        } catch {
            return "the queue database refuses writes: \(error)"
        }
        return nil
    }
}

/// The latest health-check results, shared by the probing task and the pinging task so a probe
/// that hangs (a lock held for minutes, a dead disk) cannot also hang the decision to ping.
final class HealthState: Sendable {
    private struct State {
        var probeStartedAt: ContinuousClock.Instant?
        var lastSuccessAt: ContinuousClock.Instant?
        var lastFailure: String?
    }

    enum Verdict: Equatable {
        case healthy
        case failing(String)
    }

    private let state = Mutex(State())

    func probeStarted(at instant: ContinuousClock.Instant = .now) {
        state.withLock { $0.probeStartedAt = instant }
    }

    func probeFinished(failure: String?, at instant: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.probeStartedAt = nil
            state.lastFailure = failure
            if failure == nil { state.lastSuccessAt = instant }
        }
    }

    /// Healthy only when the latest probe passed, no probe has been waiting longer than
    /// `maximumAge`, and a probe passed within `maximumAge`.
    func verdict(now: ContinuousClock.Instant = .now, maximumAge: Duration) -> Verdict {
        state.withLock { state in
            if let started = state.probeStartedAt, now - started > maximumAge {
                return .failing("the queue database has not answered a write probe for \(Self.seconds(now - started)) "
                    + "(another process holding its lock, or a hung disk)")
            }
            if let failure = state.lastFailure { return .failing(failure) }
            guard let success = state.lastSuccessAt else { return .failing("no health check has passed yet") }
            if now - success > maximumAge {
                return .failing("no health check has passed for \(Self.seconds(now - success))")
            }
            return .healthy
        }
    }

    private static func seconds(_ duration: Duration) -> String {
        let tenths = Int(duration / .milliseconds(100))
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
