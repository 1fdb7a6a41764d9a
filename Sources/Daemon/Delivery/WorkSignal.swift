import Synchronization

/// Wakes idle delivery workers when there may be new work (a job started, resumed or given
/// failed recipients back, or the daemon stopping), so that an idle daemon does not poll.
///
/// Why: every idle worker used to try a claim (a write transaction) ten times a second, which
/// kept an idle maild with eight workers at 80 SQLite transactions a second. Now an idle worker
/// waits for a signal, or for `wait`'s timeout, which still finds deferred recipients whose
/// retry time has come.
///
/// Lost wake-ups are impossible by construction: a worker reads ``generation`` before it
/// claims, and ``wait(after:timeout:)`` returns at once if a signal came since.
final class WorkSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    func signal() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters = [:] }
            return state.waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    /// Returns when a signal came after `seen` was read, when `timeout` passed, or when the
    /// calling task is cancelled.
    func wait(after seen: UInt64, timeout: Duration) async {
        let id = state.withLock { state in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLock { state in
                        guard state.generation == seen else { return true }
                        state.waiters[id] = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            // On a timeout or a cancellation the waiter is still registered: it is resumed here
            // so the group can end.
            if let waiter = state.withLock({ $0.waiters.removeValue(forKey: id) }) { waiter.resume() }
        }
    }
}
