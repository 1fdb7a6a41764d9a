import NIOCore

/// Runs Swift tasks on one NIO event loop: give it as a task executor preference to the task
/// that sends through an ``SMTPConnection`` bound to the same loop.
///
/// Why: a sending task on the cooperative pool crosses threads twice per message (its send is
/// handed to the loop, the reply's result is handed back), and each crossing wakes a sleeping
/// thread. On a small machine those wake-ups, not the protocol, were most of the client's
/// cost per message. On the connection's own loop both hand-overs are plain function calls.
/// Do not do long CPU work on such a task: it delays every channel on that loop.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
