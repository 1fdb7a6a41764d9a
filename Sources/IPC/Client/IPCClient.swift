import Foundation
import Synchronization
import NIOCore
import NIOPosix

/// mailctl's side of the connection: one request at a time, answers matched by id.
///
/// Scoped (``withConnection(socketPath:client:_:)``) so the socket is always closed, whatever
/// the command does.
public struct IPCClient: ~Copyable {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var nextID: UInt64 = 1
    /// The daemon's answer to hello.
    public private(set) var server: HelloReply?

    private init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// How long maild may take to answer hello.
    /// Generous: with socket activation, systemd accepts while maild is still starting (its
    /// integrity check and migrations) or finishing a restart.
    public static let defaultHelloTimeout = TimeAmount.seconds(60)

    /// Connects, says hello, runs `body`, closes.
    public static func withConnection<Result: Sendable>(
        socketPath: String,
        client: String = "mailctl",
        helloTimeout: TimeAmount = defaultHelloTimeout,
        _ body: (inout IPCClient) async throws -> Result
    ) async throws -> Result {
        let channel: FramedChannel.AsyncChannel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: socketPath) { channel in
                    FramedChannel.configure(channel)
                }
        } catch {
            throw IPCError.daemonUnreachable(socketPath: socketPath, detail: Self.describe(error), hint: Self.hint(for: error, socketPath: socketPath))
        }
        // maild answers hello at once from its own thread; something that accepts and never
        // answers (a stuck process, another program on the path) is given up on, not waited
        // for until the peer closes.
        let silence = HelloSilence()
        let underlying = channel.channel
        let watchdog = underlying.eventLoop.scheduleTask(in: helloTimeout) {
            silence.fired.withLock { $0 = true }
            underlying.close(promise: nil)
        }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = IPCClient(inbound: inbound, outbound: outbound)
            let reply: IPCResponse
            do {
                reply = try await connection.call(.hello(Hello(client: client)))
                watchdog.cancel()
            } catch {
                watchdog.cancel()
                if silence.fired.withLock({ $0 }) {
                    throw IPCError.daemonUnreachable(
                        socketPath: socketPath, detail: "no answer to hello within \(Self.describe(helloTimeout))",
                        hint: "maild may be stuck or still starting, or another program listens there (`systemctl status maild`; `ss -xlp | grep \(socketPath)`)")
                }
                throw error
            }
            guard case .hello(let hello) = reply else {
                throw IPCError.unexpectedResponse(expected: "hello", received: reply.type)
            }
            connection.server = hello
            return try await body(&connection)
        }
    }

    /// Sends a request and returns its answer; an error answer is thrown as
    /// ``IPCError/remote(_:)``.
    public mutating func call(_ request: IPCRequest) async throws -> IPCResponse {
        let id: UInt64
        do {
            id = try await send(request)
        } catch {
            try await rethrowDaemonReason(for: error)
        }
        return try await response(to: id)
    }

    /// Sends a chunk of a submit without waiting for its answer, written by hand rather than
    /// through JSONEncoder (a million-recipient submit is 200 of these). Collect the answer
    /// with ``response(to:)``; keeping a few chunks in flight lets mailctl read the next part
    /// of the list while maild stores the previous one.
    public mutating func sendChunk(jobID: Int64, recipients: [WireRecipient]) async throws -> UInt64 {
        let id = nextID
        nextID += 1
        do {
            try await outbound.write(ByteBuffer(bytes: JSONText.submitChunkFrame(id: id, jobID: jobID, recipients: recipients)))
        } catch {
            try await rethrowDaemonReason(for: error)
        }
        return id
    }

    /// The daemon may have answered and closed before reading the request (too many clients,
    /// refused at hello): its reason is more useful than "closed channel".
    private mutating func rethrowDaemonReason(for error: any Error) async throws -> Never {
        if let frame = try? await next(), case .error(let failure) = frame.response {
            throw IPCError.remote(failure)
        }
        throw error
    }

    /// The answer to request `id`, which must be the next frame; an error answer is thrown.
    public mutating func response(to id: UInt64) async throws -> IPCResponse {
        let frame = try await next()
        // Id 0 is the daemon speaking about the connection itself (refused, too many clients).
        if frame.id == 0, case .error(let failure) = frame.response {
            throw IPCError.remote(failure)
        }
        guard frame.id == id else {
            throw IPCError.malformedFrame(detail: "answer for request \(frame.id) while waiting for \(id)")
        }
        if case .error(let failure) = frame.response {
            throw IPCError.remote(failure)
        }
        return frame.response
    }

    /// Sends without waiting, for watch whose answers are a stream.
    public mutating func send(_ request: IPCRequest) async throws -> UInt64 {
        let id = nextID
        nextID += 1
        try await outbound.write(FrameCoding.encode(RequestFrame(id: id, request: request)))
        return id
    }

    /// The next frame from the daemon.
    public mutating func next() async throws -> ResponseFrame {
        guard let buffer = try await inbound.next() else {
            throw IPCError.connectionClosed
        }
        return try FrameCoding.decode(ResponseFrame.self, from: buffer)
    }

    static func describe(_ wait: TimeAmount) -> String {
        let milliseconds = wait.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    static func describe(_ error: any Error) -> String {
        if let ioError = error as? IOError {
            return String(cString: strerror(ioError.errnoCode))
        }
        return String(describing: error)
    }

    static func hint(for error: any Error, socketPath: String) -> String {
        guard let ioError = error as? IOError else { return "" }
        switch ioError.errnoCode {
        case ENOENT, ECONNREFUSED:
            return "Is maild running? (`systemctl status maild`; or pass --socket / set MAILD_SOCKET to the path in maild.conf)"
        case EACCES, EPERM:
            return "Your user may not use this socket: ask an administrator to add you to maild's client group."
        default:
            return ""
        }
    }
}

/// Whether the hello watchdog closed the connection.
private final class HelloSilence: Sendable {
    let fired = Mutex(false)
}
