import NIOPosix
import Queue

/// Runs queue calls (synchronous SQLite work) on threads of their own, so a slow disk never
/// stalls the cooperative pool that serves IPC and drives SMTP sessions.
public struct StoreAccess: Sendable {
    public let store: QueueStore
    private let pool: NIOThreadPool

    public init(store: QueueStore, threads: Int = 4) {
        self.store = store
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    public func run<T: Sendable>(_ body: @escaping @Sendable (QueueStore) throws -> T) async throws -> T {
        let store = self.store
        return try await pool.runIfActive { try body(store) }
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
