import NIOCore
import Synchronization

/// The server's shared memory: the record every connection appends to, the script counters,
/// and the waiters of `waitUntil`. One lock for all of it, because a script decision and the
/// record of its outcome must not interleave with another connection's.
final class RecordStore: Sendable {
    private struct Waiter {
        let id: Int
        let condition: @Sendable (ServerRecord) -> Bool
        let promise: EventLoopPromise<ServerRecord>
    }

    private struct State {
        var record = ServerRecord()
        var engine: ScriptEngine
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var transactionCount = 0
    }

    private let state: Mutex<State>

    init(script: ServerScript) {
        state = Mutex(State(engine: ScriptEngine(script: script)))
    }

    var snapshot: ServerRecord {
        state.withLock { $0.record }
    }

    func decide(_ event: ScriptEvent) -> ServerAction? {
        state.withLock { $0.engine.decide(event) }
    }

    func replaceScript(_ script: ServerScript) {
        state.withLock { $0.engine = ScriptEngine(script: script) }
    }

    func nextTransactionOrdinal() -> Int {
        state.withLock { state in
            state.transactionCount += 1
            return state.transactionCount
        }
    }

    /// Changes the record and wakes the waiters whose condition now holds.
    @discardableResult
    func update<T>(_ body: (inout ServerRecord) -> T) -> T {
        let (result, satisfied) = state.withLock { state -> (T, [(EventLoopPromise<ServerRecord>, ServerRecord)]) in
            let result = body(&state.record)
            let record = state.record
            var satisfied: [(EventLoopPromise<ServerRecord>, ServerRecord)] = []
            state.waiters.removeAll { waiter in
                guard waiter.condition(record) else { return false }
                satisfied.append((waiter.promise, record))
                return true
            }
            return (result, satisfied)
        }
        // Completing a promise runs callbacks; never do that while holding the lock.
        for (promise, record) in satisfied { promise.succeed(record) }
        return result
    }

    /// Registers a waiter, or completes it at once when the condition already holds. Returns
    /// the id to cancel it with, or nil when it completed.
    func addWaiter(condition: @escaping @Sendable (ServerRecord) -> Bool, promise: EventLoopPromise<ServerRecord>) -> Int? {
        let (id, immediate) = state.withLock { state -> (Int?, ServerRecord?) in
            if condition(state.record) { return (nil, state.record) }
            state.nextWaiterID += 1
            state.waiters.append(Waiter(id: state.nextWaiterID, condition: condition, promise: promise))
            return (state.nextWaiterID, nil)
        }
        if let immediate { promise.succeed(immediate) }
        return id
    }

    /// Removes a waiter that timed out; returns the record as it stood, or nil when the waiter
    /// had already been satisfied in the meantime.
    func removeWaiter(id: Int) -> ServerRecord? {
        state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            state.waiters.remove(at: index)
            return state.record
        }
    }
}
