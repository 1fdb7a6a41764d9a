import NIOCore
import NIOPosix

/// A thread of its own for the control socket: its connections, the Swift tasks that answer
/// them and the progress snapshots all run there, never on the cooperative pool.
///
/// Why: on a small machine the cooperative pool has one thread per core, and delivery keeps
/// those threads busy rendering and driving SMTP sessions. A status request that had to wait
/// for a free pool thread waited behind whole batches of messages (a p99 of 150 ms under load).
/// On a thread that is idle most of the time, the kernel runs it as soon as a request arrives.
final class ControlPlaneExecutor: TaskExecutor {
    /// One per process, like NIO's singleton loops: created on first use, never shut down.
    static let shared = ControlPlaneExecutor()

    /// The control socket's event loop: its channels are bound to it, so their I/O does not
    /// queue behind SMTP connections either.
    let eventLoop: any EventLoop
    private let group: MultiThreadedEventLoopGroup

    private init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        eventLoop = group.next()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// The loop as a serial executor, for actors whose state only the control plane touches.
    var serialExecutor: UnownedSerialExecutor { eventLoop.executor.asUnownedSerialExecutor() }
}
