import COpenSSL
import NIOCore

/// TLS on a NIO channel through OpenSSL, with memory BIOs: ciphertext from the socket goes
/// into OpenSSL, plaintext comes out to the handlers after this one, and the reverse for writes.
///
/// Added at accept or connect for implicit TLS, and at the front of a live pipeline for
/// STARTTLS; it starts the handshake as soon as it sits on an active channel. The handshake's
/// outcome is announced with ``TLSEvent/handshakeCompleted(_:)`` or ``TLSHandshakeError``.
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case handshaking
        case active
        case closed
    }

    private let connection: OpenSSLConnection
    private let verifiesPeer: Bool
    private var state = State.idle
    private var pendingWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var flushPending = false
    private var plaintext = [UInt8](repeating: 0, count: 16 * 1024)

    /// - Parameter serverHostname: for a client, the name to verify the certificate against
    ///   and to send as SNI (an IP address is verified but not sent as SNI, per RFC 6066).
    public init(context: TLSContext, serverHostname: String?) throws(TLSConfigurationError) {
        self.connection = try OpenSSLConnection(context: context, serverHostname: serverHostname)
        self.verifiesPeer = context.verifiesPeer
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startHandshake(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        startHandshake(context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        failPendingWrites(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard connection.feed(buffer) else {
            fail(context: context, TLSHandshakeError(detail: "cannot pass received bytes to OpenSSL", certificateProblem: false))
            return
        }
        switch state {
        case .idle:
            startHandshake(context: context)
        case .handshaking:
            continueHandshake(context: context)
        case .active:
            readPlaintext(context: context)
        case .closed:
            break
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        switch state {
        case .active:
            encryptAndWrite(context: context, buffer, promise: promise)
        case .idle, .handshaking:
            pendingWrites.append((buffer, promise))
        case .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        if case .active = state {
            context.flush()
        } else {
            flushPending = true
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if case .active = state, mode == .all {
            // Send close_notify so the peer can tell a clean end from a truncation attack.
            connection.shutdown()
            writeCiphertext(context: context, promise: nil)
            context.flush()
        }
        state = .closed
        failPendingWrites(ChannelError.ioOnClosedChannel)
        context.close(mode: mode, promise: promise)
    }

    // MARK: - Handshake

    private func startHandshake(context: ChannelHandlerContext) {
        guard case .idle = state else { return }
        state = .handshaking
        continueHandshake(context: context)
    }

    private func continueHandshake(context: ChannelHandlerContext) {
        switch connection.handshake() {
        case .done:
            writeCiphertext(context: context, promise: nil)
            context.flush()
            state = .active
            // Writes queued during the handshake go first, so that nothing the event's
            // handlers write can overtake them.
            let writes = pendingWrites
            pendingWrites.removeAll()
            for (buffer, promise) in writes {
                encryptAndWrite(context: context, buffer, promise: promise)
            }
            if flushPending || !writes.isEmpty {
                flushPending = false
                context.flush()
            }
            let info = TLSSessionInfo(ssl: connection.ssl, verified: verifiesPeer)
            context.fireUserInboundEventTriggered(TLSEvent.handshakeCompleted(info))
            // Application data may have arrived with the handshake's last flight.
            readPlaintext(context: context)
        case .wantMore:
            if connection.hasCiphertextToSend {
                writeCiphertext(context: context, promise: nil)
                context.flush()
            }
        case .failed(let error):
            // Send the alert OpenSSL prepared, so the peer learns why.
            writeCiphertext(context: context, promise: nil)
            context.flush()
            fail(context: context, error)
        }
    }

    // MARK: - Data

    private func readPlaintext(context: ChannelHandlerContext) {
        while case .active = state {
            let result = plaintext.withUnsafeMutableBytes { connection.read(into: $0) }
            switch result {
            case .bytes(let count):
                var buffer = context.channel.allocator.buffer(capacity: count)
                _ = plaintext.withUnsafeBytes { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
                context.fireChannelRead(wrapInboundOut(buffer))
            case .wantMore:
                if connection.hasCiphertextToSend {
                    writeCiphertext(context: context, promise: nil)
                    context.flush()
                }
                return
            case .closedByPeer:
                connection.shutdown()
                writeCiphertext(context: context, promise: nil)
                context.flush()
                state = .closed
                context.close(promise: nil)
                return
            case .failed(let error):
                fail(context: context, error)
                return
            }
        }
    }

    private func encryptAndWrite(context: ChannelHandlerContext, _ buffer: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard connection.write(buffer) else {
            promise?.fail(TLSHandshakeError(detail: "OpenSSL refused to encrypt: \(OpenSSLErrors.drain())", certificateProblem: false))
            return
        }
        writeCiphertext(context: context, promise: promise)
    }

    private func writeCiphertext(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let pending = connection.pendingCiphertextCount
        guard pending > 0 else {
            promise?.succeed(())
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: pending)
        connection.takeCiphertext(into: &buffer, count: pending)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    private func fail(context: ChannelHandlerContext, _ error: TLSHandshakeError) {
        guard state != .closed else { return }
        state = .closed
        failPendingWrites(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func failPendingWrites(_ error: Error) {
        let writes = pendingWrites
        pendingWrites.removeAll()
        for (_, promise) in writes { promise?.fail(error) }
    }
}
