import CSystemd
import Foundation
import IPC
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The daemon's side of the control socket: accepts connections, checks who they are,
/// decodes frames and hands requests to the job logic.
///
/// It owns the abuse cases: garbage, oversized and truncated frames, unknown request types,
/// too many clients, clients that vanish. Each costs at most that one connection, never the
/// daemon or its other clients.
public final class IPCServer: Sendable {
    public enum Listener: Sendable {
        /// Bind this path (removing a stale socket file), then set its mode and group.
        case path(String, mode: UInt32, group: String?)
        /// A socket systemd already bound and passed (socket activation).
        case inherited(descriptor: Int32, path: String)
    }

    private let listener: Listener
    private let handler: any IPCRequestHandling
    private let authorization: Authorization
    private let maximumClients: Int
    private let logger: Logger
    private let connectionCount = Atomic<Int>(0)
    private let nextConnectionID = Atomic<UInt64>(1)
    private let boundChannel = Mutex<(any Channel)?>(nil)

    public init(listener: Listener, handler: any IPCRequestHandling, authorization: Authorization, maximumClients: Int, logger: Logger) {
        self.listener = listener
        self.handler = handler
        self.authorization = authorization
        self.maximumClients = maximumClients
        self.logger = logger
    }

    /// Binds the socket; returns when it is listening (so READY=1 can follow), then serves in
    /// the returned task until ``close()``.
    public func start() async throws -> Task<Void, Never> {
        let bootstrap = ServerBootstrap(group: ControlPlaneExecutor.shared.eventLoop)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelInitializer { [logger] channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(AcceptFailureLogger(logger: logger)) }
            }
        let server: NIOAsyncChannel<FramedChannel.AsyncChannel, Never>
        switch listener {
        case .path(let path, let mode, let group):
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            switch LiveSocketProbe.probe(path) {
            case .free: break
            case .listening: throw IPCServerError.socketInUse(path: path)
            case .unknown(let detail): throw IPCServerError.cannotBind(path: path, detail: "a socket file is there and probing it failed (\(detail)); maild does not remove what it cannot tell is stale")
            }
            // The socket must never exist with looser permissions than configured, not even
            // between bind and chmod.
            let previousMask = umask(0o177)
            do {
                server = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                    FramedChannel.configure(channel)
                }
                umask(previousMask)
            } catch {
                umask(previousMask)
                throw IPCServerError.cannotBind(path: path, detail: String(describing: error))
            }
            if chmod(path, mode_t(mode)) != 0 {
                throw IPCServerError.cannotSetPermissions(path: path, detail: String(cString: strerror(errno)))
            }
            if let group {
                guard let entry = getgrnam(group) else {
                    throw IPCServerError.cannotSetPermissions(path: path, detail: "group \(group) does not exist")
                }
                if chown(path, uid_t.max, entry.pointee.gr_gid) != 0 {
                    throw IPCServerError.cannotSetPermissions(path: path, detail: String(cString: strerror(errno)))
                }
            }
            logger.info("listening for mailctl", metadata: ["socket": "\(path)", "mode": "\(String(mode, radix: 8))"])
        case .inherited(let descriptor, let path):
            server = try await bootstrap.bind(descriptor) { channel in
                FramedChannel.configure(channel)
            }
            logger.info("listening for mailctl on the socket systemd passed", metadata: ["socket": "\(path)"])
        }
        boundChannel.withLock { $0 = server.channel }
        // Every connection's task (children of this one) runs on the control plane's thread.
        return Task(executorPreference: ControlPlaneExecutor.shared) {
            do {
                try await server.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { group in
                        for try await connection in inbound {
                            group.addTask { await self.serve(connection) }
                        }
                    }
                }
            } catch {
                self.logger.debug("IPC listener ended", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Stops accepting; connections already open finish their current request.
    public func close() {
        let channel = boundChannel.withLock { $0 }
        channel?.close(promise: nil)
    }

    /// How long a new connection may stay silent before its hello.
    static let helloTimeout = TimeAmount.seconds(10)

    private func serve(_ connection: FramedChannel.AsyncChannel) async {
        let active = connectionCount.wrappingAdd(1, ordering: .relaxed).newValue
        defer { connectionCount.wrappingSubtract(1, ordering: .relaxed) }
        let connectionID = nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
        do {
            try await connection.executeThenClose { inbound, outbound in
                let writer = FrameWriter(outbound: outbound)
                guard active <= maximumClients else {
                    try await writer.write(ResponseFrame(id: 0, response: .error(IPCFailure(.limitExceeded, "maild already serves \(maximumClients) clients (max_clients); try again later"))))
                    return
                }
                let peer = try await PeerCredentials.of(connection.channel)
                var session = ConnectionSession(peer: peer)
                // A connection that never says hello holds a client slot for nothing: it is
                // closed after a while, so idle sockets cannot lock mailctl out.
                let channel = connection.channel
                var helloDeadline: Scheduled<Void>? = channel.eventLoop.scheduleTask(in: Self.helloTimeout) {
                    channel.close(promise: nil)
                }
                defer {
                    helloDeadline?.cancel()
                    if let client = session.client {
                        Task(executorPreference: ControlPlaneExecutor.shared) { await self.handler.connectionClosed(client) }
                    }
                }
                var chunkInFlight: Task<Bool, Never>?
                do {
                    for try await buffer in inbound {
                        let keepOpen = await handleFrame(buffer, session: &session, connectionID: connectionID, channel: channel,
                                                         writer: writer, chunkInFlight: &chunkInFlight)
                        if !keepOpen { break }
                        if session.client != nil, let deadline = helloDeadline {
                            deadline.cancel()
                            helloDeadline = nil
                        }
                    }
                } catch {
                    _ = await chunkInFlight?.value
                    throw error
                }
                // The last chunk's answer is written before the connection's cleanup runs.
                _ = await chunkInFlight?.value
            }
        } catch {
            logger.debug("IPC connection ended", metadata: ["error": "\(error)"])
        }
    }

    private struct ConnectionSession {
        var peer: PeerCredentials
        var client: ClientContext?
    }

    /// Returns false when the connection must close.
    ///
    /// Chunks of an upload are pipelined: chunk N+1 is decoded and checked while chunk N is
    /// being stored (`chunkInFlight`); storage and answers keep the order of arrival, and any
    /// other request waits until the chunk in flight is answered.
    private func handleFrame(_ buffer: ByteBuffer, session: inout ConnectionSession, connectionID: UInt64, channel: any Channel,
                             writer: FrameWriter, chunkInFlight: inout Task<Bool, Never>?) async -> Bool {
        let frame: RequestFrame
        do {
            // Chunks of a large submit and the small requests watchers repeat take the fast
            // readers; everything else, and anything they do not recognise, goes through
            // Foundation (which also words the errors).
            if let fast = buffer.readableBytes <= ControlRequestDecoder.largestFrame ? ControlRequestDecoder.decode(buffer) : SubmitChunkDecoder.decode(buffer) {
                frame = fast
            } else {
                frame = try FrameCoding.decode(RequestFrame.self, from: buffer)
            }
        } catch {
            // An unknown type or a bad body with a readable envelope gets an answer naming the
            // request; a frame that is not even an envelope ends the connection.
            if let header = try? FrameCoding.decode(EnvelopeHeader.self, from: buffer) {
                let code: IPCFailure.Code = if case .unknownType = error { .unknownRequest } else { .badRequest }
                let failure = IPCFailure(code, "\(header.type): \(error)")
                // An unreadable chunk is still a chunk of the upload: its commit must fail.
                if header.type == IPCRequest.submitChunkType, let client = session.client {
                    handler.chunkUnreadable(failure.message, from: client)
                }
                // Answered in its turn, after the chunk in flight, like any other request.
                if let previous = chunkInFlight {
                    chunkInFlight = nil
                    if await !previous.value { return false }
                }
                try? await writer.write(ResponseFrame(id: header.id, response: .error(failure)))
                return true
            }
            try? await writer.write(ResponseFrame(id: 0, response: .error(IPCFailure(.badRequest, "\(error)"))))
            return false
        }
        guard let client = session.client else {
            guard case .hello(let hello) = frame.request else {
                try? await writer.write(ResponseFrame(id: frame.id, response: .error(IPCFailure(.badRequest, "the first request must be hello"))))
                return false
            }
            guard hello.protocolVersion == IPCProtocol.version else {
                try? await writer.write(ResponseFrame(id: frame.id, response: .error(IPCFailure(.unsupportedVersion, IPCError.unsupportedVersion(client: hello.protocolVersion, server: IPCProtocol.version).description))))
                return false
            }
            guard let role = authorization.role(of: session.peer) else {
                logger.notice("IPC client refused", metadata: ["uid": "\(session.peer.uid)", "pid": "\(session.peer.pid)"])
                try? await writer.write(ResponseFrame(id: frame.id, response: .error(IPCFailure(.permissionDenied, "uid \(session.peer.uid) may not use maild: ask an administrator to add the user to maild's client group"))))
                return false
            }
            session.client = ClientContext(connectionID: connectionID, peer: session.peer, role: role)
            let reply = HelloReply(server: "maild", uid: session.peer.uid, admin: role == .admin, limits: handler.limits())
            return (try? await writer.write(ResponseFrame(id: frame.id, response: .hello(reply)))) != nil
        }
        if case .submitChunk(let chunk) = frame.request {
            let prepared = handler.prepareChunk(chunk, from: client)
            if let previous = chunkInFlight, await !previous.value { return false }
            let handler = self.handler, id = frame.id
            chunkInFlight = Task(executorPreference: ControlPlaneExecutor.shared) {
                let response = await handler.storeChunk(prepared, from: client)
                return (try? await writer.write(ResponseFrame(id: id, response: response))) != nil
            }
            return true
        }
        if let previous = chunkInFlight {
            chunkInFlight = nil
            if await !previous.value { return false }
        }
        let response: IPCResponse
        switch frame.request {
        case .hello:
            response = .error(IPCFailure(.badRequest, "hello was already said on this connection"))
        case .watch(let reference):
            response = await watchWhileConnected(reference.jobID, requestID: frame.id, from: client, channel: channel, writer: writer)
        default:
            response = await handler.handle(frame.request, from: client)
        }
        return (try? await writer.write(ResponseFrame(id: frame.id, response: response))) != nil
    }
}

extension IPCServer {
    /// Runs a watch until it ends or the client goes away, whichever comes first.
    ///
    /// A watch writes only when the job's status changes, and nothing reads the connection
    /// while it runs: on a paused or scheduled job a client that left (Ctrl-C on `mailctl
    /// watch`) would go unnoticed and keep its `max_clients` slot for good. The channel's
    /// close (the peer's end of file closes it) cancels the watch instead.
    func watchWhileConnected(_ jobID: Int64, requestID: UInt64, from client: ClientContext, channel: any Channel,
                             writer: FrameWriter) async -> IPCResponse {
        let handler = self.handler
        let watching = Task(executorPreference: ControlPlaneExecutor.shared) {
            await handler.watch(jobID: jobID, from: client) { status in
                try await writer.write(ResponseFrame(id: requestID, response: .event(status)))
            }
        }
        channel.closeFuture.whenComplete { _ in watching.cancel() }
        let response = await withTaskCancellationHandler {
            await watching.value
        } onCancel: {
            watching.cancel()
        }
        if !channel.isActive {
            logger.debug("watch ended: the client went away", metadata: ["job_id": "\(jobID)", "uid": "\(client.peer.uid)"])
        }
        return response
    }
}

/// Encodes and writes answers; shared by the request loop and a watch's event pushes.
struct FrameWriter: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    func write(_ frame: ResponseFrame) async throws {
        // Statuses (the bulk of the answers under load) skip Foundation's encoder.
        try await outbound.write(StatusFrameEncoder.encode(frame) ?? FrameCoding.encode(frame))
    }
}
