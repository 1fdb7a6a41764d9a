import Logging
import NIOCore

/// Drives a ``SessionStateMachine`` on a channel: bytes in become replies, actions become
/// writes, TLS insertion, timers and completed promises. No protocol decision is made here.
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var machine: SessionStateMachine
    private var parser = ReplyParser()
    private let tlsContext: TLSContext?
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var readyPromise: EventLoopPromise<SessionInfo>?
    private var transactionPromise: EventLoopPromise<TransactionResult>?
    private var quitPromise: EventLoopPromise<Void>?
    private var timer: Scheduled<Void>?
    private var tlsInfo: TLSSessionInfo?

    init(configuration: SessionStateMachine.Configuration, tlsContext: TLSContext?, readyPromise: EventLoopPromise<SessionInfo>, logger: Logger) {
        self.machine = SessionStateMachine(configuration: configuration)
        self.tlsContext = tlsContext
        self.readyPromise = readyPromise
        self.logger = logger
    }

    // MARK: - Requests from SMTPConnection (on the event loop)

    func send(_ message: OutgoingMessage, promise: EventLoopPromise<TransactionResult>) {
        guard transactionPromise == nil else {
            promise.fail(SMTPError(kind: .invalidCommand(detail: "a transaction is already under way on this connection"),
                                   stage: .mail, server: machine.configuration.server))
            return
        }
        transactionPromise = promise
        handle(machine.send(message))
    }

    func quit(promise: EventLoopPromise<Void>) {
        quitPromise = promise
        handle(machine.quit())
        if !machine.isQuitting { completeQuit() }
    }

    var isReady: Bool { machine.isReady }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { handle(machine.connected()) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        handle(machine.connected())
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        parser.append(buffer.readableBytesView)
        while true {
            do {
                guard let reply = try parser.nextReply() else { break }
                logger.trace("reply", metadata: ["smtp_code": "\(reply.code)"])
                handle(machine.replyReceived(reply, moreBytesBuffered: parser.hasBufferedData))
            } catch {
                handle(machine.malformedInput(error))
                break
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSEvent, case .handshakeCompleted(let info) = event {
            tlsInfo = info
            handle(machine.tlsEstablished())
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let error = error as? TLSHandshakeError {
            handle(machine.tlsFailed(detail: error.detail, certificateProblem: error.certificateProblem))
        } else {
            handle(machine.connectionFailed(detail: String(describing: error)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        handle(machine.connectionClosed())
        let error = SMTPError(kind: .connectionClosed, stage: machine.currentStage ?? .noop, server: machine.configuration.server)
        readyPromise?.fail(error)
        readyPromise = nil
        transactionPromise?.fail(error)
        transactionPromise = nil
        completeQuit()
        context.fireChannelInactive()
    }

    // MARK: - Actions

    private func handle(_ action: SessionStateMachine.Action) {
        guard let context else { return }
        switch action {
        case .write(let bytes):
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .startTLSHandshake:
            startTLS(context: context)
        case .sessionReady:
            let info = SessionInfo(server: machine.configuration.server, greeting: machine.greeting, extensions: machine.extensions,
                                   tls: tlsInfo, authenticatedWith: machine.authenticatedWith)
            readyPromise?.succeed(info)
            readyPromise = nil
        case .transactionFinished(let result):
            let promise = transactionPromise
            transactionPromise = nil
            promise?.succeed(result)
        case .transactionFinishedAndClose(let result):
            let promise = transactionPromise
            transactionPromise = nil
            promise?.succeed(result)
            context.close(promise: nil)
        case .closeConnection:
            context.close(promise: nil)
            completeQuit()
        case .failSession(let error):
            logger.debug("SMTP session failed", metadata: ["error": "\(error)"])
            readyPromise?.fail(error)
            readyPromise = nil
            let promise = transactionPromise
            transactionPromise = nil
            promise?.fail(error)
            context.close(promise: nil)
            completeQuit()
        case .refuseMessage(let error):
            let promise = transactionPromise
            transactionPromise = nil
            promise?.fail(error)
        case .none:
            break
        }
        rearmTimer(context: context)
    }

    private func startTLS(context: ChannelHandlerContext) {
        guard let tlsContext else {
            handle(machine.tlsFailed(detail: "no TLS context configured", certificateProblem: false))
            return
        }
        do {
            let tls = try TLSHandler(context: tlsContext, serverHostname: machine.configuration.host)
            try context.pipeline.syncOperations.addHandler(tls, position: .first)
        } catch {
            handle(machine.tlsFailed(detail: String(describing: error), certificateProblem: false))
        }
    }

    private func rearmTimer(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        guard let timeout = machine.replyTimeout else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.nanoseconds))) {
            bound.value.handle(bound.value.machine.timeoutFired())
        }
    }

    private func completeQuit() {
        let promise = quitPromise
        quitPromise = nil
        promise?.succeed(())
    }
}

extension SessionStateMachine {
    var isQuitting: Bool {
        if case .quitting = state { return true }
        return false
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
