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
    /// Promises of the transactions written to the server, oldest first (two at most: the
    /// current one and the one pipelined behind its data).
    private var inFlight: [EventLoopPromise<TransactionResult>] = []
    /// Messages handed over while the session could not take them yet.
    private var waiting: [(OutgoingMessage, EventLoopPromise<TransactionResult>)] = []
    private var quitPromise: EventLoopPromise<Void>?
    private var timer: Scheduled<Void>?
    private var deadline: NIODeadline?
    private var tlsInfo: TLSSessionInfo?
    /// Writes are flushed once per event, so that a message's data and the next transaction's
    /// commands leave as one group (RFC 2920) instead of two segments.
    private var flushNeeded = false

    init(configuration: SessionStateMachine.Configuration, tlsContext: TLSContext?, readyPromise: EventLoopPromise<SessionInfo>, logger: Logger) {
        self.machine = SessionStateMachine(configuration: configuration)
        self.tlsContext = tlsContext
        self.readyPromise = readyPromise
        self.logger = logger
    }

    // MARK: - Requests from SMTPConnection (on the event loop)

    /// Sends `message` as soon as the session can take it; concurrent callers are served in
    /// order, and while one message's data is on the wire the next one's commands follow it.
    func send(_ message: OutgoingMessage, promise: EventLoopPromise<TransactionResult>) {
        waiting.append((message, promise))
        startWaitingMessages()
        flushIfNeeded()
    }

    private func flushIfNeeded() {
        guard flushNeeded, let context else { return }
        flushNeeded = false
        context.flush()
    }

    private func startWaitingMessages() {
        while !waiting.isEmpty, machine.canAcceptMessage {
            let (message, promise) = waiting.removeFirst()
            let action = machine.send(message)
            if case .refuseMessage(let error) = action {
                promise.fail(error)
                continue
            }
            inFlight.append(promise)
            handle(action)
        }
        if !waiting.isEmpty, machine.isFinished {
            // The session ended before these messages had their turn: none of their commands
            // left, whatever stage the session itself failed at.
            let ended = machine.failure ?? SMTPError(kind: .sessionUnusable, stage: .mail, server: machine.configuration.server)
            failEverything(ended, firstInFlightCausedIt: false)
        }
    }

    func quit(promise: EventLoopPromise<Void>) {
        if let quitPromise {
            // A second caller waits for the same end.
            quitPromise.futureResult.cascade(to: promise)
            return
        }
        quitPromise = promise
        handle(machine.quit())
        flushIfNeeded()
        if !machine.isQuitting { completeQuit() }
    }

    var isReady: Bool { machine.isReady }
    var failure: SMTPError? { machine.failure }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { handle(machine.connected()) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // A connection attempt NIO abandoned (another address won) never became a session.
        readyPromise?.fail(SMTPError(kind: .connectionClosed, stage: .connect, server: machine.configuration.server))
        readyPromise = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        handle(machine.connected())
        flushIfNeeded()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        parser.append(buffer.readableBytesView)
        // One reply of lookahead: the machine must know whether the server sent more than it
        // was asked, and what (a 421 closing early reads differently from garbage).
        var parseError: ReplyParser.ParseError?
        func nextReply() -> SMTPReply? {
            do { return try parser.nextReply() } catch {
                parseError = error
                return nil
            }
        }
        var current = nextReply()
        while let reply = current {
            let following = parseError == nil ? nextReply() : nil
            logger.trace("reply", metadata: ["smtp_code": "\(reply.code)"])
            let more = following != nil || parseError != nil || parser.hasBufferedData
            handle(machine.replyReceived(reply, moreBytesBuffered: more, followedBy: following))
            current = following
        }
        if let parseError { handle(machine.malformedInput(parseError)) }
        // A reply may have moved the session to where it takes the next message.
        startWaitingMessages()
        flushIfNeeded()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSEvent, case .handshakeCompleted(let info) = event {
            tlsInfo = info
            handle(machine.tlsEstablished())
            flushIfNeeded()
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
        deadline = nil
        handle(machine.connectionClosed())
        let error = SMTPError(kind: .connectionClosed, stage: machine.currentStage ?? .noop, server: machine.configuration.server)
        failEverything(error)
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
            context.write(wrapOutboundOut(buffer), promise: nil)
            flushNeeded = true
        case .startTLSHandshake:
            startTLS(context: context)
        case .sessionReady:
            readyPromise?.succeed(sessionInfo)
            readyPromise = nil
        case .transactionFinished(let result):
            if !inFlight.isEmpty { inFlight.removeFirst().succeed(result) }
            startWaitingMessages()
            // The session ended behind the transaction (the server sent more than it was
            // asked): the result stands, the connection goes.
            if machine.failure != nil {
                failEverything(machine.failure ?? SMTPError(kind: .sessionUnusable, stage: .mail, server: machine.configuration.server),
                               firstInFlightCausedIt: false)
                context.close(promise: nil)
            }
        case .transactionFinishedAndClose(let result):
            if !inFlight.isEmpty { inFlight.removeFirst().succeed(result) }
            // The 421 answered the finished transaction: whatever rode behind it is not at fault.
            failEverything(SMTPError(kind: .connectionClosed, stage: .mail, server: machine.configuration.server, reply: result.finalReply ?? result.recipients.first?.reply),
                           firstInFlightCausedIt: false)
            context.close(promise: nil)
        case .closeConnection:
            flushIfNeeded()
            context.close(promise: nil)
            completeQuit()
        case .failSession(var error):
            logger.debug("SMTP session failed", metadata: ["error": "\(error)"])
            if readyPromise != nil { error.sessionSoFar = sessionInfo }
            failEverything(error)
            context.close(promise: nil)
            completeQuit()
        case .refuseMessage(let error):
            // Only `send` produces it, and `startWaitingMessages` handles it there.
            logger.debug("message refused locally", metadata: ["error": "\(error)"])
        case .none:
            break
        }
        rearmTimer(context: context)
    }

    private var sessionInfo: SessionInfo {
        SessionInfo(server: machine.configuration.server, greeting: machine.greeting, extensions: machine.extensions,
                    tls: tlsInfo, authenticatedWith: machine.authenticatedWith)
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

    /// Moves the reply deadline. One scheduled task serves many replies: when it fires early
    /// (the deadline moved on since), it re-schedules itself for the remainder, so a pipelined
    /// bulk send does not schedule and cancel a task for every reply.
    private func rearmTimer(context: ChannelHandlerContext) {
        guard let timeout = machine.replyTimeout else {
            deadline = nil
            return
        }
        deadline = .now() + .nanoseconds(timeout.nanoseconds)
        if timer == nil { scheduleTimer(on: context.eventLoop) }
    }

    /// The task fires at the deadline or after the shortest reply timeout, whichever comes
    /// first: no later deadline can then be earlier than the task (DATA's 2 minutes after the
    /// greeting's 5 once kept the 5), and a bulk send still schedules one task per period, not
    /// one per reply.
    private func scheduleTimer(on eventLoop: EventLoop) {
        guard let deadline else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let fireAt = min(deadline, .now() + .nanoseconds(timerPeriod.nanoseconds))
        timer = eventLoop.scheduleTask(deadline: fireAt) {
            bound.value.timerFired(on: eventLoop)
        }
    }

    private var timerPeriod: Duration { machine.configuration.timeouts.shortestReplyTimeout }

    private func timerFired(on eventLoop: EventLoop) {
        timer = nil
        guard let deadline else { return }
        if deadline > .now() {
            scheduleTimer(on: eventLoop)
            return
        }
        self.deadline = nil
        handle(machine.timeoutFired())
        flushIfNeeded()
    }

    /// Fails every promise. `firstInFlightCausedIt` says whether the oldest transaction on the
    /// wire is the one the error happened in (a timeout, a drop while its reply was awaited), or
    /// whether the session ended before any of them had its turn (a 421 that answered a
    /// transaction already reported, a session that had already failed).
    private func failEverything(_ error: SMTPError, firstInFlightCausedIt: Bool = true) {
        readyPromise?.fail(error)
        readyPromise = nil
        let current = firstInFlightCausedIt ? inFlight.first : nil
        let pipelined = firstInFlightCausedIt ? inFlight.dropFirst() : inFlight[...]
        let notStarted = waiting.map(\.1)
        inFlight.removeAll()
        waiting.removeAll()
        // The current transaction may have had its data sent: its error keeps the stage it
        // reached. One pipelined behind it went out whole with BDAT (its data needs no 354), so
        // its fate is as unknown as the current one's; with DATA its data waited for a 354
        // that never came. The waiting ones never left.
        var notSent = error
        notSent.stage = .mail
        notSent.endedBeforeItsTurn = true
        var behind = notSent
        if firstInFlightCausedIt, machine.sendsDataWithoutWaiting {
            behind.stage = .dot
            behind.endedBeforeItsTurn = false
        }
        current?.fail(error)
        for promise in pipelined { promise.fail(behind) }
        for promise in notStarted { promise.fail(notSent) }
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

    /// True once the session can never take another message.
    var isFinished: Bool {
        switch state {
        case .closed, .failed, .quitting: return true
        default: return false
        }
    }

    var failure: SMTPError? {
        if case .failed(let error) = state { return error }
        return nil
    }
}

extension Duration {
    /// Saturates instead of overflowing for absurd configured values.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow || seconds > Int64.max / 1_000_000_000 - 1 { return seconds < 0 ? 0 : Int64.max / 2 }
        return max(0, whole + attoseconds / 1_000_000_000)
    }
}
