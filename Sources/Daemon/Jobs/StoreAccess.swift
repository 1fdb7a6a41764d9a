import NIOPosix
import Queue

/// Runs queue calls (synchronous SQLite work) on threads of their own, so a slow disk never
/// stalls the cooperative pool that serves IPC and drives SMTP sessions.
///
/// Answers to mailctl (status, list, report) have threads of their own too: delivery keeps
/// the write threads busy waiting for SQLite's single write lock, and a status request must
/// not queue behind them (WAL readers never wait for the writer).
public struct StoreAccess: Sendable {
    public let store: QueueStore
    private let pool: NIOThreadPool
    private let readPool: NIOThreadPool

    public init(store: QueueStore, threads: Int = 4, readThreads: Int = 2) {
        self.store = store
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        readPool = NIOThreadPool(numberOfThreads: readThreads)
        readPool.start()
    }

    public func run<T: Sendable>(_ body: @escaping @Sendable (QueueStore) throws -> T) async throws -> T {
        let store = self.store
        return try await pool.runIfActive { try body(store) }
    }

    /// For reads that answer a client; `body` must not write.
    public func read<T: Sendable>(_ body: @escaping @Sendable (QueueStore) throws -> T) async throws -> T {
        let store = self.store
        return try await readPool.runIfActive { try body(store) }
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
        try? await readPool.shutdownGracefully()
    }
}
