import SMTP

/// AUTH and the lines answering its challenges.
extension ServerSession {
    mutating func auth(_ line: CommandLine, environment: some SessionEnvironment) -> SessionOutput {
        let words = line.arguments.split(separator: " ", maxSplits: 1).map(String.init)
        let mechanismName = words.first?.uppercased() ?? ""
        let initialResponse = words.count > 1 ? words[1] : nil
        // The log never holds a credential, not even base64-encoded.
        let redacted = initialResponse.map { "\(mechanismName) <redacted \($0.utf8.count) octets>" } ?? mechanismName
        let logged = CommandLine(Array("AUTH \(redacted)".utf8))
        let event = ScriptEvent(stage: .auth, connectionOrdinal: connectionID)

        let mechanism = AuthMechanism(operatorInput: mechanismName).flatMap {
            configuration.authentication.mechanisms.contains($0) ? $0 : nil
        }
        let refusal: SMTPReply?
        if configuration.authentication.mechanisms.isEmpty {
            refusal = standardReply(503, "5.5.1", "Authentication not enabled")
        } else if configuration.requiresTLS, tls == nil {
            refusal = standardReply(530, "5.7.0", "Must issue a STARTTLS command first")
        } else if clientName == nil || !isExtended {
            refusal = standardReply(503, "5.5.1", "Send EHLO first")
        } else if authenticatedUser != nil {
            refusal = standardReply(503, "5.5.1", "Already authenticated")
        } else if transaction != nil {
            refusal = standardReply(503, "5.5.1", "AUTH not allowed during a mail transaction")
        } else if mechanism == nil {
            refusal = standardReply(504, "5.5.4", "Unrecognized authentication type")
        } else {
            refusal = nil
        }
        guard refusal == nil, let mechanism else {
            return conclude(logged, event: event, standard: refusal ?? standardReply(504, "5.5.4", "Unrecognized authentication type"),
                            environment: environment).output
        }

        let (exchange, step) = SASLServerExchange.start(mechanism: mechanism, initialResponse: initialResponse,
                                                        credentials: configuration.authentication, hostname: configuration.hostname)
        let resolution = conclude(logged, event: event, standard: reply(for: step), environment: environment)
        if resolution.replaced {
            // A scripted reply ends the exchange: success means authenticated without a check.
            if let sent = resolution.sent, (200..<300).contains(sent.code) {
                authenticatedUser = SASLServerExchange.claimedUsername(mechanism: mechanism, initialResponse: initialResponse) ?? ""
            }
        } else {
            apply(step, exchange: exchange)
        }
        return resolution.output
    }

    mutating func saslResponse(_ bytes: [UInt8], exchange: SASLServerExchange, environment: some SessionEnvironment) -> SessionOutput {
        var exchange = exchange
        let text = String(decoding: bytes, as: UTF8.self)
        let shown = text.trimmingSpaces() == "*" ? "*" : "<redacted \(bytes.count) octets>"
        let step = exchange.respond(text)
        apply(step, exchange: exchange.isWaiting ? exchange : nil)
        let reply = reply(for: step)
        log(verb: "AUTH-RESPONSE", arguments: shown, sent: reply, environment: environment)
        return SessionOutput(action: .reply(reply))
    }

    private mutating func apply(_ step: SASLServerExchange.Step, exchange: SASLServerExchange?) {
        if let exchange {
            phase = .sasl(exchange)
        } else if case .sasl = phase {
            phase = .commands
        }
        if case .succeeded(let username) = step { authenticatedUser = username }
    }

    private func reply(for step: SASLServerExchange.Step) -> SMTPReply {
        switch step {
        case .challenge(let text): return SMTPReply(code: 334, lines: [text])
        case .succeeded: return standardReply(235, "2.7.0", "Authentication successful")
        case .failed(.invalidCredentials): return standardReply(535, "5.7.8", "Authentication credentials invalid")
        case .failed(.malformed): return standardReply(501, "5.5.2", "Cannot decode AUTH response")
        case .failed(.cancelled): return standardReply(501, "5.7.0", "Authentication cancelled")
        }
    }
}
