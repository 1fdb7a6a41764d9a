import Logging
import NIOCore
import SMTP

/// Runs one ``ServerSession`` on an accepted channel: bytes in through the ``InputFramer``,
/// the session's responses out with the delays, byte-by-byte writes, closes and TLS
/// insertion its script asks for. Protocol decisions are all in the session.
///
/// Input is handled strictly in order: while a response waits (a scripted stall, a slow
/// byte-by-byte write, a TLS handshake) later pipelined commands stay buffered, so replies
/// always come out in command order, as RFC 2920 requires.
final class SMTPServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let shared: ServerShared
    private var logger: Logger
    private var session: ServerSession
    private var framer: InputFramer
    private var context: ChannelHandlerContext?
    private var connectionID = 0
    private var hasGreeted = false
    /// A response or a TLS handshake is under way; input waits in the framer.
    private var isBusy = false
    /// The session is over (closing, or hanging on purpose); input is dropped.
    private var isFinished = false
    private var isClosed = false
    private var scheduled: Scheduled<Void>?
    private var lastWrite: EventLoopFuture<Void>?

    init(shared: ServerShared, logger: Logger) {
        self.shared = shared
        self.logger = logger
        self.session = ServerSession(configuration: shared.configuration, connectionID: 0)
        self.framer = InputFramer(commandLimit: shared.configuration.maximumCommandLength,
                                  authLimit: shared.configuration.maximumAuthLineLength)
    }

    private var environment: ConnectionEnvironment { ConnectionEnvironment(shared: shared) }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        scheduled?.cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        connectionID = shared.connectionOpened(context.channel)
        logger[metadataKey: "connection_id"] = "\(connectionID)"
        logger.debug("connection accepted", metadata: ["remote": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")"])
        session = ServerSession(configuration: shared.configuration, connectionID: connectionID)
        if shared.configuration.tls.isImplicit {
            // SMTPS: the greeting goes out once TLS is up (RFC 8314 section 3.3).
            isBusy = true
        } else {
            greet()
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isFinished = true
        isClosed = true
        scheduled?.cancel()
        scheduled = nil
        if connectionID > 0 { shared.connectionClosed(id: connectionID) }
        logger.debug("connection closed")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isFinished else { return }
        framer.append(unwrapInboundIn(data).readableBytesView)
        processInput()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let tlsEvent = event as? TLSEvent, case .handshakeCompleted(let info) = tlsEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        shared.tlsHandshakeCompleted()
        logger.debug("TLS established", metadata: ["tls_version": "\(info.protocolVersion)", "tls_cipher": "\(info.cipher)"])
        session.tlsEstablished(info)
        framer.setMode(session.framingMode)
        isBusy = false
        if !hasGreeted {
            greet()
        }
        processInput()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("connection failed", metadata: ["error": "\(error)"])
        isFinished = true
        context.close(promise: nil)
    }

    // MARK: - Session

    private func greet() {
        hasGreeted = true
        let output = session.greet(environment: environment)
        framer.setMode(session.framingMode)
        perform(output, resumed: false)
    }

    private func processInput() {
        while !isBusy, !isFinished, let input = framer.next() {
            let output = session.handle(input, environment: environment)
            framer.setMode(session.framingMode)
            perform(output, resumed: false)
        }
    }

    /// Sends the response, now or later, then does what comes after it.
    private func perform(_ output: SessionOutput, resumed: Bool) {
        let bytes: [UInt8]
        switch output.action.response {
        case .reply(let reply): bytes = ReplyText.encode(reply)
        case .raw(let raw): bytes = raw
        case .standard, .nothing: bytes = []
        }
        let action = output.action
        if action.delay > .zero {
            isBusy = true
            schedule(after: action.delay) { [self] in
                var undelayed = output
                undelayed.action.delay = .zero
                perform(undelayed, resumed: true)
            }
            return
        }
        if let interval = action.byteInterval, bytes.count > 1 {
            isBusy = true
            sendByteByByte(bytes, from: 0, interval: interval) { [self] in finish(output, resumed: true) }
            return
        }
        if !bytes.isEmpty { write(bytes) }
        finish(output, resumed: resumed)
    }

    private func finish(_ output: SessionOutput, resumed: Bool) {
        switch output.action.afterwards {
        case .proceed:
            if output.startsTLS {
                startTLS()
            } else if resumed {
                isBusy = false
                processInput()
            }
        case .close:
            isFinished = true
            framer.setMode(.discarding)
            closeAfterWrites()
        case .hang:
            isFinished = true
            framer.setMode(.discarding)
        }
    }

    // MARK: - Output

    private func write(_ bytes: [UInt8]) {
        guard let context, context.channel.isActive else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        lastWrite = context.writeAndFlush(wrapOutboundOut(buffer))
    }

    private func sendByteByByte(_ bytes: [UInt8], from index: Int, interval: Duration, then done: @escaping () -> Void) {
        guard index < bytes.count, !isClosed else {
            done()
            return
        }
        write([bytes[index]])
        schedule(after: interval) { [self] in
            sendByteByByte(bytes, from: index + 1, interval: interval, then: done)
        }
    }

    private func schedule(after delay: Duration, _ body: @escaping () -> Void) {
        guard let context else { return }
        scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [self] in
            scheduled = nil
            guard !isClosed else { return }
            body()
        }
    }

    private func closeAfterWrites() {
        guard let context else { return }
        let channel = context.channel
        if let lastWrite {
            // Close once the last reply is on the wire, so a 421 is read before the FIN.
            lastWrite.whenComplete { _ in channel.close(promise: nil) }
        } else {
            channel.close(promise: nil)
        }
    }

    /// After STARTTLS's 220: the framer already threw away whatever was pipelined behind the
    /// command (CVE-2011-0411); TLS goes in front of everything, and input waits for the
    /// handshake.
    private func startTLS() {
        guard let context, let tlsContext = shared.configuration.tls.context else { return }
        isBusy = true
        do {
            let handler = try TLSHandler(context: tlsContext, serverHostname: nil)
            try context.pipeline.syncOperations.addHandler(handler, position: .first)
        } catch {
            logger.warning("cannot start TLS", metadata: ["error": "\(error)"])
            isFinished = true
            context.close(promise: nil)
        }
    }
}
