/// The client side of an SMTP session, as a value that takes events and returns actions.
///
/// Sans-I/O, after postgres-nio's connection state machines: the channel handler turns bytes
/// into ``SMTPReply`` events and actions into writes, and the whole protocol (greeting, EHLO
/// and its HELO fallback, STARTTLS, AUTH, pipelined transactions, RSET, QUIT) is tested here
/// without a socket.
public struct SessionStateMachine: Sendable {
    public struct Configuration: Sendable {
        /// The host name the client announces in EHLO.
        public var clientName: String
        public var host: String
        public var port: Int
        public var tlsMode: TLSMode
        public var credentials: SMTPCredentials?
        /// Forces one mechanism instead of choosing from the server's list.
        public var authMechanism: AuthMechanism?
        /// Allows AUTH over a connection without TLS (a trusted local relay only).
        public var allowsAuthenticationWithoutTLS: Bool
        /// Uses RFC 2920 pipelining when the server offers it.
        public var usesPipelining: Bool
        /// Uses RFC 3030 BDAT instead of DATA when the server offers CHUNKING.
        public var usesChunking: Bool
        public var timeouts: SMTPTimeouts

        public init(clientName: String, host: String, port: Int, tlsMode: TLSMode, credentials: SMTPCredentials? = nil,
                    authMechanism: AuthMechanism? = nil, allowsAuthenticationWithoutTLS: Bool = false,
                    usesPipelining: Bool = true, usesChunking: Bool = true, timeouts: SMTPTimeouts = SMTPTimeouts()) {
            self.clientName = clientName
            self.host = host
            self.port = port
            self.tlsMode = tlsMode
            self.credentials = credentials
            self.authMechanism = authMechanism
            self.allowsAuthenticationWithoutTLS = allowsAuthenticationWithoutTLS
            self.usesPipelining = usesPipelining
            self.usesChunking = usesChunking
            self.timeouts = timeouts
        }

        var server: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public enum Action: Sendable, Equatable {
        /// Write these bytes and flush.
        case write([UInt8])
        /// Put TLS in front of the connection and start the handshake.
        case startTLSHandshake
        /// Greeting, EHLO, TLS and AUTH are done: messages may be sent.
        case sessionReady
        case transactionFinished(TransactionResult)
        /// The server closes the connection after this transaction (it said 421).
        case transactionFinishedAndClose(TransactionResult)
        /// QUIT was answered (or the server is gone after it): close quietly.
        case closeConnection
        /// The session failed: report the error to whoever waits and close.
        case failSession(SMTPError)
        /// The message cannot be sent on this session (too large, needs an extension the
        /// server lacks); nothing was written and the session stays ready for the next one.
        case refuseMessage(SMTPError)
        case none
    }

    enum State: Sendable {
        case initial
        case implicitTLSHandshake
        case awaitingGreeting
        case awaitingEHLO
        case awaitingHELO
        case awaitingStartTLS
        case startTLSHandshake
        case authenticating(AuthExchange)
        case ready
        case inTransaction(TransactionState)
        case quitting
        case closed
        case failed(SMTPError)
    }

    public let configuration: Configuration
    private let redaction: SecretRedaction
    private(set) var state: State = .initial
    public private(set) var greeting: SMTPReply?
    public private(set) var extensions: ServerExtensions = .none
    /// True once TLS protects the connection (implicit or after STARTTLS).
    public private(set) var isTLSActive = false
    private var startTLSCompleted = false
    /// The mechanism that authenticated this session, if any.
    public private(set) var authenticatedWith: AuthMechanism?
    /// Set when a transaction ended before its final dot: the next one starts with RSET.
    private var needsReset = false
    /// A transaction whose commands were pipelined behind the current one's data; it becomes
    /// current when the current one's final reply arrives.
    private var next: TransactionState?

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.redaction = SecretRedaction(credentials: configuration.credentials)
    }

    // MARK: - Events

    /// The TCP connection is up.
    public mutating func connected() -> Action {
        guard case .initial = state else { return .none }
        if configuration.tlsMode == .implicit {
            state = .implicitTLSHandshake
            return .startTLSHandshake
        }
        state = .awaitingGreeting
        return .none
    }

    /// The TLS handshake completed.
    public mutating func tlsEstablished() -> Action {
        switch state {
        case .implicitTLSHandshake:
            isTLSActive = true
            state = .awaitingGreeting
            return .none
        case .startTLSHandshake:
            isTLSActive = true
            startTLSCompleted = true
            state = .awaitingEHLO
            return write(.ehlo(domain: configuration.clientName), stage: .ehlo)
        default:
            return .none
        }
    }

    /// The TLS handshake failed; `certificateProblem` tells a verification failure apart.
    public mutating func tlsFailed(detail: String, certificateProblem: Bool) -> Action {
        switch state {
        case .initial, .implicitTLSHandshake, .startTLSHandshake, .awaitingStartTLS:
            let kind: SMTPError.Kind = certificateProblem ? .certificateInvalid(detail: detail) : .tlsHandshakeFailed(detail: detail)
            return fail(kind, stage: .tlsHandshake)
        case .closed, .failed:
            return .none
        default:
            // A broken TLS stream later on (bad record MAC, a fatal alert) fails whatever was
            // awaited; the stage says whether a message's fate is known.
            return fail(.connectionFailed(detail: "TLS: \(detail)"), stage: currentStage ?? .noop)
        }
    }

    /// A complete reply arrived. `moreBytesBuffered` tells whether the peer sent anything
    /// after it that has not been consumed yet, and `followedBy` is that data when it makes a
    /// complete reply: the same read cannot hold the answer to a command the client writes
    /// only after this reply.
    public mutating func replyReceived(_ reply: SMTPReply, moreBytesBuffered: Bool = false, followedBy next: SMTPReply? = nil) -> Action {
        if moreBytesBuffered, repliesOwed == 1, let stage = currentStage {
            guard finishesTransaction(reply) else {
                let error = earlyTalkerError(after: reply, stage: stage, next: next)
                state = .failed(error)
                return .failSession(error)
            }
            // The reply ends its transaction (a final 250 stands: the message was sent), and
            // the session ends behind it: nothing may be matched to what came with it.
            let action = process(reply, moreBytesBuffered: moreBytesBuffered)
            if case .transactionFinished = action {
                state = .failed(earlyTalkerError(after: reply, stage: .noop, next: next))
            }
            return action
        }
        return process(reply, moreBytesBuffered: moreBytesBuffered)
    }

    private mutating func process(_ reply: SMTPReply, moreBytesBuffered: Bool) -> Action {
        switch state {
        case .awaitingGreeting:
            greeting = reply
            guard reply.code == 220 else { return fail(.unexpectedReply, stage: .greeting, reply: reply) }
            state = .awaitingEHLO
            return write(.ehlo(domain: configuration.clientName), stage: .ehlo)

        case .awaitingEHLO:
            if reply.code == 250 {
                extensions = ServerExtensions(ehloReply: reply)
                return afterHello()
            }
            // RFC 5321 section 3.2: a server that does not know EHLO answers 500/502 (550 in
            // some old ones); fall back to HELO. Never after STARTTLS: a server that spoke ESMTP
            // before TLS cannot forget it, and HELO would hide a stripped extension list.
            if [500, 501, 502, 504, 550].contains(reply.code), !startTLSCompleted {
                state = .awaitingHELO
                return write(.helo(domain: configuration.clientName), stage: .ehlo)
            }
            return fail(.unexpectedReply, stage: .ehlo, reply: reply)

        case .awaitingHELO:
            guard reply.code == 250 else { return fail(.unexpectedReply, stage: .ehlo, reply: reply) }
            extensions = .none
            return afterHello()

        case .awaitingStartTLS:
            guard reply.code == 220 else { return fail(.unexpectedReply, stage: .startTLS, reply: reply) }
            if moreBytesBuffered { return fail(.plaintextAfterStartTLS, stage: .startTLS, reply: reply) }
            // RFC 3207 section 4.2: nothing learned before TLS may be trusted after it.
            extensions = .none
            state = .startTLSHandshake
            return .startTLSHandshake

        case .authenticating(var exchange):
            switch reply.code {
            case 235:
                authenticatedWith = exchange.mechanism
                return becomeReady()
            case 334:
                switch exchange.answer(reply) {
                case .respond(let command):
                    state = .authenticating(exchange)
                    return write(command, stage: .auth)
                case .failed(let detail):
                    return fail(.malformedReply(detail: detail), stage: .auth, reply: reply)
                }
            default:
                return fail(.authenticationFailed(mechanism: exchange.mechanism.rawValue), stage: .auth, reply: reply)
            }

        case .inTransaction(var transaction):
            state = .closed  // placeholder while the transaction is mutated
            let step = transaction.receive(reply)
            return apply(step, to: transaction)

        case .quitting:
            state = .closed
            return .closeConnection

        case .ready:
            // An unsolicited reply outside a transaction: a 421 announcing shutdown is normal
            // (RFC 5321 section 3.8); anything else is a broken server.
            if reply.code == 421 { return fail(.unexpectedReply, stage: .noop, reply: reply) }
            return fail(.malformedReply(detail: "unsolicited reply \(reply)"), stage: .noop, reply: reply)

        case .initial, .implicitTLSHandshake, .startTLSHandshake:
            return fail(.malformedReply(detail: "reply before the TLS handshake finished"), stage: .tlsHandshake, reply: reply)

        case .closed, .failed:
            return .none
        }
    }

    /// The reply parser refused the server's bytes.
    public mutating func malformedInput(_ error: ReplyParser.ParseError) -> Action {
        switch state {
        case .closed, .failed:
            // The session already ended for a reason; garbage behind it does not replace it.
            return .none
        case .quitting:
            state = .closed
            return .closeConnection
        default:
            return fail(.malformedReply(detail: error.description), stage: currentStage ?? .noop)
        }
    }

    /// The awaited reply did not arrive in time.
    public mutating func timeoutFired() -> Action {
        guard let stage = currentStage else { return .none }
        if case .quitting = state {
            // Every outcome is known: a server that never answers QUIT is only closed.
            state = .closed
            return .closeConnection
        }
        return fail(.timeout(after: configuration.timeouts.replyTimeout(for: stage)), stage: stage)
    }

    /// The peer closed the connection.
    public mutating func connectionClosed() -> Action {
        switch state {
        case .failed:
            // The failure stays what the session reports (a 421, a refused AUTH), not "closed".
            return .none
        case .quitting, .closed:
            state = .closed
            return .none
        default:
            return fail(.connectionClosed, stage: currentStage ?? .noop)
        }
    }

    /// A socket error (reset, broken pipe) was raised.
    public mutating func connectionFailed(detail: String) -> Action {
        switch state {
        case .closed, .failed: return .none
        case .quitting:
            // A server that drops the connection on QUIT (a reset, TLS without close_notify).
            state = .closed
            return .none
        default: return fail(.connectionFailed(detail: detail), stage: currentStage ?? .noop)
        }
    }

    // MARK: - Requests

    /// Starts a transaction for `message`. The session must accept a message
    /// (``canAcceptMessage``): be ready, or be waiting for the final reply of a pipelined
    /// transaction, in which case this one's commands go out right behind its data.
    public mutating func send(_ message: OutgoingMessage) -> Action {
        let pipelinesBehindCurrent: Bool
        switch state {
        case .ready:
            pipelinesBehindCurrent = false
        case .inTransaction where canAcceptMessage:
            pipelinesBehindCurrent = true
        case .failed(let error):
            return .failSession(error)
        default:
            return .failSession(error(.sessionUnusable, stage: .mail))
        }
        // RFC 1870 section 3: the size counts CRLF line endings but not the dot-stuffing.
        // Normalising only adds bytes, so a message already too large as it is is refused
        // before it is encoded.
        if let limit = extensions.maximumSize, limit > 0, message.data.count > limit {
            let size = MessageDataEncoder.normalizedLength(of: message.data)
            return .refuseMessage(error(.messageTooLarge(size: size, limit: limit), stage: .mail))
        }
        // Each scan of the message is done once: this runs for every message of a campaign.
        let needsSMTPUTF8 = message.requiresSMTPUTF8
        let hasEightBitContent = message.hasEightBitContent
        if needsSMTPUTF8, !extensions.smtpUTF8 {
            return .refuseMessage(error(.smtpUTF8NotSupported, stage: .mail))
        }
        if hasEightBitContent, !extensions.eightBitMIME {
            return .refuseMessage(error(.eightBitNotSupported, stage: .mail))
        }
        // The wire form is made here, once: it also gives the size.
        let chunking = sendsDataWithoutWaiting
        let payload: TransactionState.Payload
        let size: Int
        if chunking {
            let chunk = MessageDataEncoder.normalizeLineEndings(message.data)
            payload = .chunk(chunk)
            size = chunk.count
        } else {
            let transfer = MessageDataEncoder.transfer(message.data)
            payload = .data(transfer.bytes)
            size = transfer.normalizedLength
        }
        if let limit = extensions.maximumSize, limit > 0, size > limit {
            // Refused locally: the session stays usable for the next message.
            return .refuseMessage(error(.messageTooLarge(size: size, limit: limit), stage: .mail))
        }
        var parameters: [String] = []
        if extensions.maximumSize != nil { parameters.append("SIZE=\(size)") }
        if hasEightBitContent { parameters.append("BODY=8BITMIME") }
        if needsSMTPUTF8 { parameters.append("SMTPUTF8") }

        var commands: [SMTPCommand] = []
        if needsReset { commands.append(.rset) }
        commands.append(.mailFrom(address: message.sender, parameters: parameters))
        commands.append(contentsOf: message.recipients.map { .rcptTo(address: $0, parameters: []) })
        commands.append(chunking ? .bdat(size: size, last: true) : .data)
        var lines: [[UInt8]] = []
        lines.reserveCapacity(commands.count)
        for command in commands {
            do { lines.append(Array(try command.encoded().utf8)) } catch {
                return .refuseMessage(self.error(.invalidCommand(detail: error.description), stage: command.stage))
            }
        }
        needsReset = false
        let pipelined = configuration.usesPipelining && extensions.pipelining
        let plan = TransactionState.Plan(message: message, commands: commands, lines: lines, pipelined: pipelined, payload: payload)
        var transaction = TransactionState(plan: plan)
        let step = transaction.start()
        if pipelinesBehindCurrent {
            // RFC 2920 section 3.1: the message content may be followed by the next
            // transaction's commands in the same group; the server answers them in order.
            next = transaction
            return step.bytes.map(Action.write) ?? .none
        }
        return apply(step, to: transaction)
    }

    /// True when ``send(_:)`` may be called now: the session is ready, or it waits for the
    /// final reply of a pipelined transaction and no other transaction is queued behind it.
    public var canAcceptMessage: Bool {
        switch state {
        case .ready:
            return true
        case .inTransaction(let transaction):
            return next == nil && !needsReset && transaction.isAwaitingFinalReply && transaction.isPipelined
        default:
            return false
        }
    }

    /// Ends the session politely.
    public mutating func quit() -> Action {
        switch state {
        case .ready:
            state = .quitting
            return write(.quit, stage: .quit)
        case .closed, .failed, .quitting:
            return .none
        case .inTransaction:
            // Abandoning a transaction on the wire: report it at the stage it had reached, so
            // that a message whose data was sent counts as possibly delivered.
            return fail(.sessionUnusable, stage: currentStage ?? .mail)
        default:
            state = .closed
            return .closeConnection
        }
    }

    /// True when messages go with RFC 3030 BDAT: a transaction's data leaves with its
    /// commands, without waiting for a 354.
    public var sendsDataWithoutWaiting: Bool { configuration.usesChunking && extensions.chunking }

    /// True when a message may be sent now.
    public var isReady: Bool {
        if case .ready = state { return true }
        return false
    }

    /// The stage whose reply is awaited, or nil when the session waits for nothing.
    public var currentStage: SMTPStage? {
        switch state {
        case .initial: return .connect
        case .implicitTLSHandshake, .startTLSHandshake: return .tlsHandshake
        case .awaitingGreeting: return .greeting
        case .awaitingEHLO, .awaitingHELO: return .ehlo
        case .awaitingStartTLS: return .startTLS
        case .authenticating: return .auth
        case .inTransaction(let transaction): return transaction.awaitedStage
        case .quitting: return .quit
        case .ready, .closed, .failed: return nil
        }
    }

    /// How long the handler should wait for the next reply, or nil to arm no timer.
    public var replyTimeout: Duration? {
        currentStage.map { configuration.timeouts.replyTimeout(for: $0) }
    }

    // MARK: - Steps

    private mutating func afterHello() -> Action {
        if !isTLSActive, configuration.tlsMode == .startTLS {
            guard extensions.startTLS else { return fail(.startTLSNotOffered, stage: .startTLS) }
            state = .awaitingStartTLS
            return write(.startTLS, stage: .startTLS)
        }
        guard let credentials = configuration.credentials else { return becomeReady() }
        guard isTLSActive || configuration.allowsAuthenticationWithoutTLS else {
            return fail(.authenticationRequiresTLS, stage: .auth)
        }
        guard !extensions.authMechanisms.isEmpty else { return fail(.authenticationNotOffered, stage: .auth) }
        guard let mechanism = AuthMechanism.choose(offered: extensions.authMechanisms, credentials: credentials,
                                                   tlsActive: isTLSActive, forced: configuration.authMechanism) else {
            let offered = extensions.authMechanisms.joined(separator: " ")
            return fail(.noUsableAuthMechanism(offered: offered, forced: configuration.authMechanism?.rawValue), stage: .auth)
        }
        var exchange = AuthExchange(mechanism: mechanism, credentials: credentials)
        let command = exchange.initialCommand()
        state = .authenticating(exchange)
        return write(command, stage: .auth)
    }

    private mutating func becomeReady() -> Action {
        state = .ready
        return .sessionReady
    }

    private mutating func apply(_ step: TransactionState.Step, to transaction: TransactionState) -> Action {
        switch step {
        case .write(let bytes):
            state = .inTransaction(transaction)
            return .write(bytes)
        case .wait:
            state = .inTransaction(transaction)
            return .none
        case .finished(let result, let resetNeeded):
            needsReset = resetNeeded
            if result.sessionClosed {
                // A transaction pipelined behind this one gets no reply: the handler fails it
                // when the connection closes.
                next = nil
                state = .closed
                return .transactionFinishedAndClose(result)
            }
            if let queued = next {
                next = nil
                state = .inTransaction(queued)
            } else {
                state = .ready
            }
            return .transactionFinished(result)
        case .protocolViolation(let detail, let stage, let reply):
            return fail(.malformedReply(detail: detail), stage: stage, reply: reply)
        }
    }

    private mutating func write(_ command: SMTPCommand, stage: SMTPStage) -> Action {
        // Commands built here come from configuration (client name, credentials); a bad one
        // fails the session with the reason, never traps.
        do {
            return .write(Array(try command.encoded().utf8))
        } catch {
            return fail(.invalidCommand(detail: error.description), stage: stage)
        }
    }

    private func error(_ kind: SMTPError.Kind, stage: SMTPStage, reply: SMTPReply? = nil, hint: String? = nil) -> SMTPError {
        let hint = hint ?? MisconfigurationHints.hint(for: kind, stage: stage, host: configuration.host, port: configuration.port,
                                                      tlsMode: configuration.tlsMode, reply: reply)
        return redaction.apply(SMTPError(kind: kind, stage: stage, server: configuration.server, reply: reply, hint: hint))
    }

    private mutating func fail(_ kind: SMTPError.Kind, stage: SMTPStage, reply: SMTPReply? = nil, hint: String? = nil) -> Action {
        var failure = error(kind, stage: stage, reply: reply, hint: hint)
        if case .authenticating(let exchange) = state, let detail = exchange.serverErrorDetail, failure.hint == nil || kind == .authenticationFailed(mechanism: "XOAUTH2") {
            // Decoded from base64 by the client, so not cleaned by the reply parser.
            let shown = redaction.apply(ReplyParser.displayable(detail))
            failure.hint = [failure.hint, "server said \(shown)"].compactMap { $0 }.joined(separator: "; ")
        }
        state = .failed(failure)
        return .failSession(failure)
    }

    /// Whether `reply` ends the current transaction with nothing pipelined behind it: then
    /// whatever follows it cannot change what it answered (a final 250 stands, and the message
    /// counts as sent); the data after it is judged once the session is idle, where any reply
    /// is unsolicited.
    private func finishesTransaction(_ reply: SMTPReply) -> Bool {
        guard case .inTransaction(var transaction) = state, next == nil else { return false }
        if case .finished = transaction.receive(reply) { return true }
        return false
    }

    /// Replies owed for commands already written: the one being awaited and, in a pipelined
    /// transaction, those behind it (and the next transaction's, queued behind the data).
    private var repliesOwed: Int {
        switch state {
        case .awaitingGreeting, .awaitingEHLO, .awaitingHELO, .authenticating:
            return 1
        case .inTransaction(let transaction):
            return transaction.repliesOwed + (next?.repliesOwed ?? 0)
        case .awaitingStartTLS:
            // Checked by the STARTTLS step itself, which names the injection.
            return 0
        case .initial, .implicitTLSHandshake, .startTLSHandshake, .ready, .quitting, .closed, .failed:
            return 0
        }
    }

    /// The server answered more than it was asked: after this reply nothing is owed, yet more
    /// data came with it, before the client's next command could have reached the server. A
    /// client that took it as the next answer would match every later reply to the wrong
    /// command (and could report a refused message as sent), so the session ends. A 421 there
    /// is the server closing early: reported as that reply, so it is classified like one.
    private func earlyTalkerError(after reply: SMTPReply, stage: SMTPStage, next: SMTPReply?) -> SMTPError {
        if let next, next.code == 421 {
            return error(.unexpectedReply, stage: stage, reply: next)
        }
        let what = next.map { "a reply (\($0))" } ?? "data"
        return error(.malformedReply(detail: "the server sent \(what) after its \(reply.code) reply, before the client's next command; "
                        + "a reply to a command not yet sent cannot be matched to one"), stage: stage, reply: reply)
    }
}
