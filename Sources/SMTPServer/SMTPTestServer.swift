import Logging
import NIOCore
import NIOPosix
import SMTP
import Synchronization

/// A real SMTP server on SwiftNIO whose every reply can be scripted: the peer the SMTP
/// client's tests inject faults with, and the capture server behind `mailctl sink`.
///
/// ```swift
/// let server = SMTPTestServer(configuration: SMTPServerConfiguration(
///     script: ServerScript([
///         ScriptRule(on: .rcpt, recipient: "bob@example.com", action: .reply(550, "5.1.1 No such user")),
///         ScriptRule(on: .dot, messages: .only(3), action: .replyAndClose(421, "4.3.2 Shutting down")),
///     ])))
/// let port = try await server.start()
/// // ... point the client at 127.0.0.1:port ...
/// let messages = try await server.waitForMessages(count: 2)
/// try await server.stop()
/// ```
///
/// Everything it sees is in ``record``; waiting is done with ``waitUntil(_:timeout:condition:)``
/// instead of sleeping. Call ``stop()`` when done: it closes every connection and, when the
/// server made its own event loop group, shuts that down.
public final class SMTPTestServer: Sendable {
    private enum State {
        case idle
        case running(channel: any Channel, group: any EventLoopGroup, ownsGroup: Bool)
        case stopped
    }

    public let configuration: SMTPServerConfiguration
    private let shared: ServerShared
    private let providedGroup: (any EventLoopGroup)?
    private let logger: Logger
    private let state = Mutex(State.idle)

    /// - Parameter eventLoopGroup: the group to run on; without one the server starts a
    ///   one-thread group of its own and shuts it down in ``stop()``.
    public init(configuration: SMTPServerConfiguration = SMTPServerConfiguration(), eventLoopGroup: (any EventLoopGroup)? = nil,
                logger: Logger = Logger(label: "maild.smtp-test-server")) {
        self.configuration = configuration
        self.shared = ServerShared(configuration: configuration)
        self.providedGroup = eventLoopGroup
        self.logger = logger
    }

    /// Binds and starts accepting; returns the port, which is the ephemeral one the system
    /// chose when the configuration asked for port 0.
    @discardableResult
    public func start() async throws -> Int {
        let alreadyStarted = state.withLock { state -> Bool in
            if case .idle = state { return false }
            return true
        }
        if alreadyStarted { throw SMTPServerError.alreadyStarted }

        let group = providedGroup ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let shared = self.shared
        let logger = self.logger
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    if case .implicit(let tlsContext) = shared.configuration.tls {
                        try operations.addHandler(TLSHandler(context: tlsContext, serverHostname: nil))
                    }
                    try operations.addHandler(SMTPServerHandler(shared: shared, logger: logger))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            if providedGroup == nil { try? await group.shutdownGracefully() }
            throw SMTPServerError.bindFailed(host: configuration.host, port: configuration.port, detail: "\(error)",
                                             errno: (error as? IOError)?.errnoCode)
        }
        state.withLock { $0 = .running(channel: channel, group: group, ownsGroup: providedGroup == nil) }
        let port = channel.localAddress?.port ?? configuration.port
        logger.info("SMTP test server listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        return port
    }

    /// The port the server listens on; nil before ``start()`` and after ``stop()``.
    public var port: Int? {
        state.withLock { state in
            if case .running(let channel, _, _) = state { return channel.localAddress?.port }
            return nil
        }
    }

    /// Stops accepting, closes every open connection, and shuts down its own event loop group.
    public func stop() async throws {
        let previous = state.withLock { state -> State in
            let previous = state
            state = .stopped
            return previous
        }
        guard case .running(let channel, let group, let ownsGroup) = previous else { return }
        try? await channel.close().get()
        for child in shared.openChannels {
            try? await child.close().get()
        }
        if ownsGroup { try await group.shutdownGracefully() }
        logger.info("SMTP test server stopped")
    }

    // MARK: - What the server saw

    /// A snapshot of everything received so far.
    public var record: ServerRecord { shared.store.snapshot }

    public var messages: [ReceivedMessage] { record.messages }

    public var commands: [CommandLogEntry] { record.commands }

    /// Replaces the script for connections and commands from now on; match counts start over.
    public func replaceScript(_ script: ServerScript) {
        shared.store.replaceScript(script)
    }

    /// Waits until `condition` holds for the record, without polling: it is checked after
    /// every change. Throws ``SMTPServerError/timedOut(waitingFor:after:record:)`` with the
    /// record as it stood, so a failing test shows what did happen.
    @discardableResult
    public func waitUntil(_ description: String, timeout: Duration = .seconds(10),
                          condition: @escaping @Sendable (ServerRecord) -> Bool) async throws -> ServerRecord {
        // A loop of the global group, so waiting works before start() and after stop().
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let promise = loop.makePromise(of: ServerRecord.self)
        let store = shared.store
        guard let waiterID = store.addWaiter(condition: condition, promise: promise) else {
            return try await promise.futureResult.get()
        }
        let timeoutTask = loop.scheduleTask(in: TimeAmount(timeout)) {
            if let record = store.removeWaiter(id: waiterID) {
                promise.fail(SMTPServerError.timedOut(waitingFor: description, after: timeout, record: record))
            }
        }
        defer { timeoutTask.cancel() }
        return try await promise.futureResult.get()
    }

    /// Waits until at least `count` messages were accepted and returns them all.
    @discardableResult
    public func waitForMessages(count: Int, timeout: Duration = .seconds(10)) async throws -> [ReceivedMessage] {
        try await waitUntil("\(count) message(s)", timeout: timeout) { $0.messagesAccepted >= count }.messages
    }

    /// Waits until every connection accepted so far has closed (a client's QUIT completed,
    /// or the server dropped it).
    @discardableResult
    public func waitForConnectionsToClose(timeout: Duration = .seconds(10)) async throws -> ServerRecord {
        try await waitUntil("all connections closed", timeout: timeout) { $0.connectionsAccepted > 0 && $0.connectionsOpen == 0 }
    }
}
