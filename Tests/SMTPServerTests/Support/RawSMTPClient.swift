import NIOCore
import NIOPosix
import SMTP
import Synchronization

/// A deliberately dumb SMTP client for driving the server over real loopback TCP: it sends
/// exactly the bytes a test gives it (pipelined, split, malformed) and parses what comes back
/// with the production ``ReplyParser``. Reads wait on events, never sleep.
final class RawSMTPClient {
    let channel: any Channel
    private let inbox: Inbox
    private var parser = ReplyParser()
    private var consumed = 0

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func connect(port: Int, host: String = "127.0.0.1") async throws -> RawSMTPClient {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(InboxHandler(inbox: inbox))
                }
            }
            .connect(host: host, port: port).get()
        return RawSMTPClient(channel: channel, inbox: inbox)
    }

    /// Connects and reads the greeting, which must be a 220.
    static func connectAndGreet(port: Int) async throws -> RawSMTPClient {
        let client = try await connect(port: port)
        let greeting = try await client.readReply()
        guard greeting.code == 220 else { throw TestFailure("expected a 220 greeting, got \(greeting)") }
        return client
    }

    func send(_ text: String) async throws {
        try await send(bytes: Array(text.utf8))
    }

    func send(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Sends a command line (CRLF added) and returns its reply.
    func command(_ line: String, timeout: Duration = .seconds(5)) async throws -> SMTPReply {
        try await send(line + "\r\n")
        return try await readReply(timeout: timeout)
    }

    func readReply(timeout: Duration = .seconds(5)) async throws -> SMTPReply {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let reply = try parser.nextReply() { return reply }
            let snapshot = inbox.snapshot
            if snapshot.bytes.count > consumed {
                parser.append(snapshot.bytes[consumed...])
                consumed = snapshot.bytes.count
                continue
            }
            if snapshot.closed { throw TestFailure("connection closed while waiting for a reply; received: \(receivedText)") }
            try await inbox.waitForChange(after: snapshot.generation, deadline: deadline, what: "a reply")
        }
    }

    func readReplies(_ count: Int, timeout: Duration = .seconds(5)) async throws -> [SMTPReply] {
        var replies: [SMTPReply] = []
        for _ in 0..<count { replies.append(try await readReply(timeout: timeout)) }
        return replies
    }

    /// Waits until at least `count` bytes arrived in total (or the connection closed) and
    /// returns everything received.
    func readRaw(atLeast count: Int, timeout: Duration = .seconds(5)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let snapshot = inbox.snapshot
            if snapshot.bytes.count >= count || snapshot.closed { return snapshot.bytes }
            try await inbox.waitForChange(after: snapshot.generation, deadline: deadline, what: "\(count) bytes")
        }
    }

    /// Waits for the server to close the connection; false on timeout.
    func waitForClose(timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            let snapshot = inbox.snapshot
            if snapshot.closed { return true }
            do {
                try await inbox.waitForChange(after: snapshot.generation, deadline: deadline, what: "close")
            } catch {
                return inbox.snapshot.closed
            }
        }
    }

    /// True when nothing at all arrives, and the connection stays open, for `duration`.
    func staysSilent(for duration: Duration) async -> Bool {
        let before = inbox.snapshot
        do {
            try await inbox.waitForChange(after: before.generation, deadline: ContinuousClock.now + duration, what: "silence")
            return false
        } catch {
            return inbox.snapshot.generation == before.generation
        }
    }

    var receivedText: String {
        String(decoding: inbox.snapshot.bytes, as: UTF8.self)
    }

    /// Puts TLS in front of the connection (after a STARTTLS 220) and waits for the handshake.
    func startTLS(context: TLSContext, serverHostname: String = "localhost") async throws -> TLSSessionInfo {
        // Anything still unread arrived in plaintext before the handshake.
        guard !parser.hasBufferedData, inbox.snapshot.bytes.count == consumed else {
            throw TestFailure("plaintext bytes after the STARTTLS reply: \(receivedText)")
        }
        let channel = self.channel
        try await channel.eventLoop.submit {
            let handler = try TLSHandler(context: context, serverHostname: serverHostname)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        }.get()
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let snapshot = inbox.snapshot
            if let tls = snapshot.tls { return tls }
            if snapshot.closed { throw TestFailure("connection closed during the TLS handshake") }
            try await inbox.waitForChange(after: snapshot.generation, deadline: deadline, what: "the TLS handshake")
        }
    }

    func close() async {
        try? await channel.close().get()
    }
}

/// Bytes received, whether the connection closed and TLS came up, shared between the event
/// loop and the test. Every change bumps `generation`; waiters are woken by promises.
final class Inbox: Sendable {
    struct Snapshot {
        var bytes: [UInt8] = []
        var closed = false
        var tls: TLSSessionInfo?
        var generation = 0
    }

    private struct State {
        var snapshot = Snapshot()
        var waiters: [Int: EventLoopPromise<Void>] = [:]
        var nextWaiter = 0

        mutating func changed() -> [EventLoopPromise<Void>] {
            snapshot.generation += 1
            let promises = Array(waiters.values)
            waiters.removeAll()
            return promises
        }
    }

    private let state = Mutex(State())

    func append(_ bytes: ByteBufferView) {
        let waiters = state.withLock { state in
            state.snapshot.bytes.append(contentsOf: bytes)
            return state.changed()
        }
        waiters.forEach { $0.succeed(()) }
    }

    func markClosed() {
        let waiters = state.withLock { state in
            state.snapshot.closed = true
            return state.changed()
        }
        waiters.forEach { $0.succeed(()) }
    }

    func markTLS(_ info: TLSSessionInfo) {
        let waiters = state.withLock { state in
            state.snapshot.tls = info
            return state.changed()
        }
        waiters.forEach { $0.succeed(()) }
    }

    var snapshot: Snapshot {
        state.withLock { $0.snapshot }
    }

    /// Returns once the generation moved past `generation`, or throws at the deadline.
    func waitForChange(after generation: Int, deadline: ContinuousClock.Instant, what: String) async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let promise = loop.makePromise(of: Void.self)
        let id: Int? = state.withLock { state in
            if state.snapshot.generation != generation { return nil }
            state.nextWaiter += 1
            state.waiters[state.nextWaiter] = promise
            return state.nextWaiter
        }
        guard let id else {
            promise.succeed(())  // an unfulfilled promise traps in debug builds
            return
        }
        let remaining = ContinuousClock.now.duration(to: deadline)
        let timeout = loop.scheduleTask(in: TimeAmount(max(remaining, .zero))) { [self] in
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            let received = String(decoding: snapshot.bytes, as: UTF8.self)
            waiter?.fail(TestFailure("timed out waiting for \(what); received: \(received)"))
        }
        defer { timeout.cancel() }
        try await promise.futureResult.get()
    }
}

private final class InboxHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let inbox: Inbox

    init(inbox: Inbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.append(unwrapInboundIn(data).readableBytesView)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.markClosed()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSEvent, case .handshakeCompleted(let info) = event {
            inbox.markTLS(info)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
