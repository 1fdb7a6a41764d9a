import Logging
import Synchronization
import NIOCore
import NIOPosix

/// A connected, ready SMTP session over which messages are sent one transaction at a time.
///
/// The connection is reused for many messages (the biggest saving in bulk sending after
/// pipelining); a failed transaction leaves it usable, a failed session does not
/// (``isUsable``), and the caller opens a new one.
public final class SMTPConnection: Sendable {
    private let channel: Channel
    private let handler: NIOLoopBound<SMTPClientHandler>
    /// What the server offered and what was negotiated.
    public let session: SessionInfo
    /// The connection's event loop as a task executor: a task that sends through this
    /// connection with it as its executor preference hands messages over and gets results
    /// back without crossing threads.
    public let taskExecutor: EventLoopTaskExecutor

    private init(channel: Channel, handler: NIOLoopBound<SMTPClientHandler>, session: SessionInfo) {
        self.channel = channel
        self.handler = handler
        self.session = session
        self.taskExecutor = EventLoopTaskExecutor(eventLoop: channel.eventLoop)
    }

    /// Connects, reads the greeting, says EHLO, sets up TLS and authenticates as configured.
    ///
    /// - Parameter tlsContext: required for `implicit` and `starttls`; built once per account.
    public static func connect(
        configuration: SessionStateMachine.Configuration,
        tlsContext: TLSContext?,
        eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "maild.smtp")
    ) async throws(SMTPError) -> SMTPConnection {
        if configuration.tlsMode != .none, tlsContext == nil {
            throw SMTPError(kind: .tlsHandshakeFailed(detail: "TLS mode \(configuration.tlsMode.rawValue) needs a TLS context"),
                            stage: .connect, server: configuration.server)
        }
        if let tlsContext, !tlsContext.verifiesPeer {
            logger.warning("TLS certificate verification is disabled for this server (insecure mode)", metadata: ["server": "\(configuration.server)"])
        }
        let eventLoop = eventLoopGroup.next()
        // One handler and one ready promise per connection attempt, kept by channel: NIO runs
        // the initializer for every address it tries (Happy Eyeballs starts the next one after
        // 250 ms), and only the channel `connect` returns is this session. Kept here, not looked
        // up in the pipeline: a server that closes right after its last reply has the handler
        // removed before the ready future's callbacks run.
        let attempts = ConnectionAttempts()
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(configuration.timeouts.connect.nanoseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ready = channel.eventLoop.makePromise(of: SessionInfo.self)
                    let handler = SMTPClientHandler(configuration: configuration, tlsContext: tlsContext, readyPromise: ready, logger: logger)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    attempts.record(channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop), ready: ready.futureResult)
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw ConnectFailure.classify(error, configuration: configuration)
        }
        do {
            guard let attempt = attempts.attempt(for: channel) else {
                channel.close(promise: nil)
                throw SMTPError(kind: .sessionUnusable, stage: .greeting, server: configuration.server)
            }
            // Cancelling the caller (a worker shutting down) closes the half-open session
            // instead of waiting out the greeting, TLS and AUTH timeouts.
            let session = try await withTaskCancellationHandler {
                try await attempt.ready.get()
            } onCancel: {
                channel.close(promise: nil)
            }
            return SMTPConnection(channel: channel, handler: attempt.handler, session: session)
        } catch let error as SMTPError {
            throw error
        } catch {
            channel.close(promise: nil)
            throw SMTPError(kind: .connectionFailed(detail: String(describing: error)), stage: .greeting, server: configuration.server)
        }
    }

    /// Sends one message. Refusals by the server are in the result, per recipient; a thrown
    /// error means the session failed (or the message could not be offered at all) and the
    /// message's fate is unknown only if the error's stage is `dot`.
    ///
    /// Not cancellable on purpose: a transaction on the wire is finished (or times out), so a
    /// shutdown never leaves a message whose fate is unknown. Use ``quit()`` after it.
    public func send(_ message: OutgoingMessage) async throws(SMTPError) -> TransactionResult {
        let promise = channel.eventLoop.makePromise(of: TransactionResult.self)
        let handler = self.handler
        if channel.eventLoop.inEventLoop {
            handler.value.send(message, promise: promise)
        } else {
            channel.eventLoop.execute {
                handler.value.send(message, promise: promise)
            }
        }
        do {
            return try await promise.futureResult.get()
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError(kind: .connectionFailed(detail: String(describing: error)), stage: .mail, server: session.server)
        }
    }

    /// Says QUIT and closes; never throws, because a session that is ending has nothing
    /// left to report.
    public func quit() async {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        let handler = self.handler
        channel.eventLoop.execute {
            handler.value.quit(promise: promise)
        }
        try? await promise.futureResult.get()
        try? await channel.close()
    }

    /// What ended the session while it waited for nothing (an unsolicited 421, a dropped
    /// connection), nil while it is usable or after a clean QUIT: a check that sends nothing
    /// learns this way that the server gave up on it.
    public var failure: SMTPError? {
        get async {
            let handler = self.handler
            return (try? await channel.eventLoop.submit { handler.value.failure }.get()) ?? nil
        }
    }

    /// True while the session can take another message.
    public var isUsable: Bool {
        get async {
            let handler = self.handler
            return (try? await channel.eventLoop.submit { handler.value.isReady }.get()) ?? false
        }
    }
}

/// What the channel initializer made for each connection attempt, by channel.
private final class ConnectionAttempts: Sendable {
    struct Attempt: Sendable {
        let handler: NIOLoopBound<SMTPClientHandler>
        let ready: EventLoopFuture<SessionInfo>
    }

    private let attempts = Mutex<[ObjectIdentifier: Attempt]>([:])

    func record(_ channel: any Channel, handler: NIOLoopBound<SMTPClientHandler>, ready: EventLoopFuture<SessionInfo>) {
        attempts.withLock { $0[ObjectIdentifier(channel)] = Attempt(handler: handler, ready: ready) }
    }

    func attempt(for channel: any Channel) -> Attempt? {
        attempts.withLock { $0[ObjectIdentifier(channel)] }
    }
}
