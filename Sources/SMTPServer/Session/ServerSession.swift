import Foundation
import SMTP

/// The server's side of one SMTP session as a state machine: framed input in, the response
/// to send out. No I/O: ``SMTPServerHandler`` moves the bytes, this decides what they mean.
///
/// Every reply goes through ``resolve(_:standard:environment:)``: the script may replace the
/// standard reply, delay it or drop the connection. A command then takes effect when the reply
/// actually sent is positive (below 400) and the command was valid; when the script sends raw
/// bytes or nothing, the standard reply decides. So a scripted 550 for a recipient rejects it,
/// and a connection dropped instead of the 250 after the dot still keeps the message, as a
/// real server whose reply got lost would (the duplicate-delivery case clients must survive).
struct ServerSession {
    enum Phase {
        case awaitingGreeting
        case commands
        /// The greeting was negative: RFC 5321 section 3.1 has the server wait for QUIT.
        case greetingRefused
        case sasl(SASLServerExchange)
        case data
        case chunk(PendingChunk)
        case awaitingTLS
        case ended
    }

    struct PendingChunk {
        var size: Int
        var last: Bool
        /// Set when the BDAT command itself was refused; its bytes are read and dropped anyway
        /// (RFC 3030 section 3: the chunk follows the command whatever the server thinks).
        var refusal: SMTPReply?
    }

    struct Transaction {
        var ordinal: Int
        var sender: String
        var parameters: [String]
        var recipients: [String] = []
        var smtpUTF8: Bool
        var chunks: [UInt8] = []
        var chunkOctets = 0
        var usedBDAT = false
    }

    struct Resolution {
        var output: SessionOutput
        /// The reply sent, nil for raw bytes or silence.
        var sent: SMTPReply?
        /// The sent reply, or the standard one when nothing parseable was sent.
        var positive: Bool
        /// True when the script put its own reply in place of the standard one.
        var replaced: Bool
    }

    let configuration: SMTPServerConfiguration
    let connectionID: Int
    var phase = Phase.awaitingGreeting
    var tls: TLSSessionInfo?
    var clientName: String?
    var isExtended = false
    var authenticatedUser: String?
    var transaction: Transaction?

    init(configuration: SMTPServerConfiguration, connectionID: Int) {
        self.configuration = configuration
        self.connectionID = connectionID
    }

    /// How the framer must cut the bytes that follow.
    var framingMode: InputFramer.Mode {
        switch phase {
        case .sasl:
            return .saslResponse
        case .data:
            return .data(limit: configuration.maximumMessageSize)
        case .chunk(let chunk):
            let room = chunk.refusal == nil ? configuration.maximumMessageSize - (transaction?.chunkOctets ?? 0) : 0
            return .chunk(size: chunk.size, limit: max(0, room))
        case .awaitingTLS, .ended:
            return .discarding
        case .awaitingGreeting, .commands, .greetingRefused:
            return .commands
        }
    }

    // MARK: - Events

    mutating func greet(environment: some SessionEnvironment) -> SessionOutput {
        let event = ScriptEvent(stage: .greeting, connectionOrdinal: connectionID)
        let standard = SMTPReply(code: 220, lines: ["\(configuration.hostname) ESMTP maild test server"])
        let resolution = resolve(event, standard: standard, environment: environment)
        phase = resolution.positive ? .commands : .greetingRefused
        return resolution.output
    }

    /// The TLS handshake finished: RFC 3207 section 4.2 has both sides forget everything
    /// learned before it, so the client must EHLO again.
    mutating func tlsEstablished(_ info: TLSSessionInfo) {
        tls = info
        clientName = nil
        isExtended = false
        authenticatedUser = nil
        transaction = nil
        if case .awaitingTLS = phase { phase = .commands }
    }

    mutating func handle(_ input: InputFramer.Input, environment: some SessionEnvironment) -> SessionOutput {
        switch input {
        case .lineTooLong:
            if case .sasl = phase { phase = .commands }
            let reply = standardReply(500, "5.5.2", "Line too long")
            log(verb: "(LINE TOO LONG)", arguments: "", sent: reply, environment: environment)
            return SessionOutput(action: .reply(reply))
        case .line(let bytes):
            if case .sasl(let exchange) = phase {
                return saslResponse(bytes, exchange: exchange, environment: environment)
            }
            return command(CommandLine(bytes), environment: environment)
        case .data(let outcome):
            return endOfData(outcome, environment: environment)
        case .chunk(let bytes, let octets):
            return chunkReceived(bytes, octets: octets, environment: environment)
        }
    }

    private mutating func command(_ line: CommandLine, environment: some SessionEnvironment) -> SessionOutput {
        if case .greetingRefused = phase {
            return afterRefusedGreeting(line, environment: environment)
        }
        switch line.verb {
        case "EHLO", "HELO": return hello(line, environment: environment)
        case "STARTTLS": return startTLS(line, environment: environment)
        case "AUTH": return auth(line, environment: environment)
        case "MAIL": return mail(line, environment: environment)
        case "RCPT": return rcpt(line, environment: environment)
        case "DATA": return data(line, environment: environment)
        case "BDAT": return bdat(line, environment: environment)
        case "RSET": return rset(line, environment: environment)
        case "NOOP":
            let event = ScriptEvent(stage: .noop, connectionOrdinal: connectionID)
            return conclude(line, event: event, standard: standardReply(250, "2.0.0", "Ok"), environment: environment).output
        case "QUIT": return quit(line, environment: environment)
        case "VRFY":
            return unscripted(line, standardReply(252, "2.5.2", "Cannot VRFY user, but will accept message"), environment: environment)
        case "HELP":
            return unscripted(line, standardReply(214, "2.0.0", "See RFC 5321"), environment: environment)
        case "":
            return unscripted(line, standardReply(500, "5.5.2", "Error: bad syntax"), environment: environment)
        default:
            return unscripted(line, standardReply(500, "5.5.2", "Command not recognized"), environment: environment)
        }
    }

    private mutating func hello(_ line: CommandLine, environment: some SessionEnvironment) -> SessionOutput {
        let event = ScriptEvent(stage: .ehlo, connectionOrdinal: connectionID)
        guard !line.arguments.isEmpty else {
            return conclude(line, event: event, standard: standardReply(501, "5.5.4", "Syntax: \(line.verb) hostname"),
                            environment: environment).output
        }
        let extended = line.verb == "EHLO"
        let standard = extended ? ehloReply(clientName: line.arguments) : SMTPReply(code: 250, lines: [configuration.hostname])
        let resolution = conclude(line, event: event, standard: standard, environment: environment)
        if resolution.positive {
            // RFC 5321 section 4.1.4: EHLO and HELO also reset any transaction.
            clientName = line.arguments
            isExtended = extended
            transaction = nil
        }
        return resolution.output
    }

    private mutating func startTLS(_ line: CommandLine, environment: some SessionEnvironment) -> SessionOutput {
        let event = ScriptEvent(stage: .startTLS, connectionOrdinal: connectionID)
        let standard: SMTPReply
        var valid = false
        if !configuration.tls.offersStartTLS {
            standard = standardReply(502, "5.5.1", "STARTTLS not available")
        } else if tls != nil {
            standard = standardReply(503, "5.5.1", "TLS already active")
        } else if !line.arguments.isEmpty {
            standard = standardReply(501, "5.5.4", "Syntax: STARTTLS takes no parameters")
        } else {
            standard = standardReply(220, "2.0.0", "Ready to start TLS")
            valid = true
        }
        var resolution = conclude(line, event: event, standard: standard, environment: environment)
        if valid, resolution.positive {
            phase = .awaitingTLS
            transaction = nil
            resolution.output.startsTLS = true
        }
        return resolution.output
    }

    private mutating func rset(_ line: CommandLine, environment: some SessionEnvironment) -> SessionOutput {
        let event = ScriptEvent(stage: .rset, connectionOrdinal: connectionID)
        let valid = line.arguments.isEmpty
        let standard = valid ? standardReply(250, "2.0.0", "Ok") : standardReply(501, "5.5.4", "Syntax: RSET takes no parameters")
        let resolution = conclude(line, event: event, standard: standard, environment: environment)
        if valid, resolution.positive { transaction = nil }
        return resolution.output
    }

    private mutating func quit(_ line: CommandLine, environment: some SessionEnvironment) -> SessionOutput {
        let event = ScriptEvent(stage: .quit, connectionOrdinal: connectionID)
        var resolution = conclude(line, event: event, standard: standardReply(221, "2.0.0", "Bye"), environment: environment)
        if resolution.output.action.afterwards == .proceed { resolution.output.action.afterwards = .close }
        phase = .ended
        return resolution.output
    }

    private mutating func afterRefusedGreeting(_ line: CommandLine, environment: some SessionEnvironment) -> SessionOutput {
        if line.verb == "QUIT" { return quit(line, environment: environment) }
        return unscripted(line, standardReply(503, "5.5.1", "No service; send QUIT"), environment: environment)
    }

    // MARK: - Replies and the script

    /// Asks the script, fills in the standard reply where the script keeps it, and logs the
    /// command with what was sent.
    mutating func conclude(_ line: CommandLine, event: ScriptEvent?, standard: SMTPReply,
                           environment: some SessionEnvironment) -> Resolution {
        let resolution = resolve(event, standard: standard, environment: environment)
        log(verb: line.verb, arguments: line.arguments, sent: resolution.sent, environment: environment)
        return resolution
    }

    func resolve(_ event: ScriptEvent?, standard: SMTPReply, environment: some SessionEnvironment) -> Resolution {
        var action = event.flatMap { environment.decide($0) } ?? .standard
        var sent: SMTPReply?
        var replaced = false
        switch action.response {
        case .standard:
            action.response = .reply(standard)
            sent = standard
        case .reply(let reply):
            sent = reply
            replaced = true
        case .raw, .nothing:
            sent = nil
        }
        let positive = (sent ?? standard).code < 400
        return Resolution(output: SessionOutput(action: action), sent: sent, positive: positive, replaced: replaced)
    }

    mutating func unscripted(_ line: CommandLine, _ reply: SMTPReply, environment: some SessionEnvironment) -> SessionOutput {
        conclude(line, event: nil, standard: reply, environment: environment).output
    }

    func log(verb: String, arguments: String, sent: SMTPReply?, environment: some SessionEnvironment) {
        environment.log(CommandLogEntry(connectionID: connectionID, verb: verb, arguments: arguments, tlsActive: tls != nil, reply: sent))
    }

    /// A reply with its enhanced code, which is left out when ENHANCEDSTATUSCODES is off.
    func standardReply(_ code: Int, _ enhanced: String, _ text: String) -> SMTPReply {
        let enhancedCode = configuration.extensions.enhancedStatusCodes ? EnhancedStatusCode(enhanced) : nil
        return SMTPReply(code: code, enhancedCode: enhancedCode, lines: [text])
    }

    func ehloReply(clientName: String) -> SMTPReply {
        let extensions = configuration.extensions
        var lines = ["\(configuration.hostname) greets \(clientName)"]
        if extensions.pipelining { lines.append("PIPELINING") }
        if extensions.size { lines.append("SIZE \(configuration.maximumMessageSize)") }
        if extensions.eightBitMIME { lines.append("8BITMIME") }
        if extensions.smtpUTF8 { lines.append("SMTPUTF8") }
        if extensions.enhancedStatusCodes { lines.append("ENHANCEDSTATUSCODES") }
        if extensions.chunking { lines.append("CHUNKING") }
        if configuration.tls.offersStartTLS, configuration.advertisesStartTLS, tls == nil { lines.append("STARTTLS") }
        if authenticationAvailable {
            lines.append((["AUTH"] + configuration.authentication.mechanisms.map(\.rawValue)).joined(separator: " "))
        }
        return SMTPReply(code: 250, lines: lines)
    }

    /// AUTH is offered when mechanisms are configured, and only inside TLS when TLS is required.
    var authenticationAvailable: Bool {
        !configuration.authentication.mechanisms.isEmpty && !(configuration.requiresTLS && tls == nil)
    }
}
