@testable import Daemon
import Testing

/// Idle workers sleep on a signal: woken by it, by their timeout, or by cancellation, and never
/// miss a signal that came between reading the generation and waiting.
@Suite(.timeLimit(.minutes(1)))
struct WorkSignalTests {
    @Test func aSignalBeforeTheWaitIsNotLost() async {
        let signal = WorkSignal()
        let seen = signal.generation
        signal.signal()
        let start = ContinuousClock.now
        await signal.wait(after: seen, timeout: .seconds(30))
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func aSignalWakesEveryWaiter() async {
        let signal = WorkSignal()
        let seen = signal.generation
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { await signal.wait(after: seen, timeout: .seconds(30)) } }
            try? await Task.sleep(for: .milliseconds(50))
            signal.signal()
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(signal.generation == seen + 1)
    }

    @Test func withoutASignalTheTimeoutEndsTheWait() async {
        let signal = WorkSignal()
        let start = ContinuousClock.now
        await signal.wait(after: signal.generation, timeout: .milliseconds(100))
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(100))
        #expect(waited < .seconds(5))
    }

    @Test func cancellationEndsTheWait() async {
        let signal = WorkSignal()
        let start = ContinuousClock.now
        let waiter = Task { await signal.wait(after: signal.generation, timeout: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await waiter.value
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
