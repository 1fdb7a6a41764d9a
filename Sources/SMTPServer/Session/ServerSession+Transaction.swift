import Foundation
import SMTP

/// MAIL, RCPT, DATA, BDAT and the end of the message.
extension ServerSession {
    mutating func mail(_ line: CommandLine, environment: some SessionEnvironment) -> SessionOutput {
        let ordinal = environment.nextTransactionOrdinal()
        let path = line.pathArguments(keyword: "FROM")
        let event = ScriptEvent(stage: .mail, connectionOrdinal: connectionID, messageOrdinal: ordinal, sender: path?.address)
        let refusal: SMTPReply?
        if clientName == nil {
            refusal = standardReply(503, "5.5.1", "Send EHLO or HELO first")
        } else if transaction != nil {
            refusal = standardReply(503, "5.5.1", "Nested MAIL command")
        } else if configuration.requiresTLS, tls == nil {
            refusal = standardReply(530, "5.7.0", "Must issue a STARTTLS command first")
        } else if configuration.authentication.isRequired, authenticatedUser == nil {
            refusal = standardReply(530, "5.7.0", "Authentication required")
        } else if let path {
            refusal = checkMailParameters(path)
        } else {
            refusal = standardReply(501, "5.5.4", "Syntax: MAIL FROM:<address>")
        }
        let resolution = conclude(line, event: event, standard: refusal ?? standardReply(250, "2.1.0", "Sender OK"),
                                  environment: environment)
        if refusal == nil, resolution.positive, let path {
            let smtpUTF8 = path.parameters.contains { $0.uppercased() == "SMTPUTF8" }
            transaction = Transaction(ordinal: ordinal, sender: path.address, parameters: path.parameters, smtpUTF8: smtpUTF8)
        }
        return resolution.output
    }

    /// Only parameters of advertised extensions are accepted (RFC 5321 section 4.1.1.11):
    /// a client that sends SIZE= to a server that did not offer SIZE has a bug to catch.
    private func checkMailParameters(_ path: CommandLine.PathArguments) -> SMTPReply? {
        let extensions = configuration.extensions
        var smtpUTF8 = false
        for parameter in path.parameters {
            guard isExtended else { return standardReply(555, "5.5.4", "Parameters need EHLO") }
            let parts = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            let keyword = parts[0].uppercased()
            let value = parts.count > 1 ? parts[1] : nil
            switch keyword {
            case "SIZE" where extensions.size:
                guard let value, let size = Int(value), size >= 0 else { return standardReply(501, "5.5.4", "Bad SIZE parameter") }
                if size > configuration.maximumMessageSize {
                    return standardReply(552, "5.3.4", "Message size exceeds fixed maximum message size")
                }
            case "BODY" where extensions.eightBitMIME:
                guard let value, ["7BIT", "8BITMIME"].contains(value.uppercased()) else {
                    return standardReply(555, "5.5.4", "Unsupported BODY type")
                }
            case "SMTPUTF8" where extensions.smtpUTF8 && value == nil:
                smtpUTF8 = true
            case "AUTH" where authenticationAvailable:
                break
            default:
                return standardReply(555, "5.5.4", "Unsupported parameter \(keyword)")
            }
        }
        if !smtpUTF8, !path.address.allSatisfy(\.isASCII) {
            return standardReply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8")
        }
        return nil
    }

    mutating func rcpt(_ line: CommandLine, environment: some SessionEnvironment) -> SessionOutput {
        let path = line.pathArguments(keyword: "TO")
        var event = ScriptEvent(stage: .rcpt, connectionOrdinal: connectionID, messageOrdinal: transaction?.ordinal,
                                sender: transaction?.sender, recipient: path?.address)
        event.transactionRecipients = transaction?.recipients ?? []
        let refusal: SMTPReply?
        if let transaction {
            if let path {
                if path.address.isEmpty {
                    refusal = standardReply(501, "5.1.3", "Bad recipient address syntax")
                } else if let parameter = path.parameters.first {
                    // No DSN is offered, so NOTIFY= and ORCPT= are as unknown as anything else.
                    refusal = standardReply(555, "5.5.4", "Unsupported parameter \(parameter)")
                } else if !transaction.smtpUTF8, !path.address.allSatisfy(\.isASCII) {
                    refusal = standardReply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8")
                } else if transaction.recipients.count >= configuration.maximumRecipients {
                    refusal = standardReply(452, "4.5.3", "Too many recipients")
                } else {
                    refusal = nil
                }
            } else {
                refusal = standardReply(501, "5.5.4", "Syntax: RCPT TO:<address>")
            }
        } else {
            refusal = standardReply(503, "5.5.1", "Need MAIL command")
        }
        let resolution = conclude(line, event: event, standard: refusal ?? standardReply(250, "2.1.5", "Recipient OK"),
                                  environment: environment)
        if refusal == nil, resolution.positive, let path {
            transaction?.recipients.append(path.address)
        }
        return resolution.output
    }

    mutating func data(_ line: CommandLine, environment: some SessionEnvironment) -> SessionOutput {
        let refusal: SMTPReply?
        if !line.arguments.isEmpty {
            refusal = standardReply(501, "5.5.4", "Syntax: DATA takes no parameters")
        } else if let transaction {
            if transaction.usedBDAT {
                refusal = standardReply(503, "5.5.1", "DATA after BDAT")
            } else if transaction.recipients.isEmpty {
                refusal = standardReply(554, "5.5.1", "No valid recipients")
            } else {
                refusal = nil
            }
        } else {
            refusal = standardReply(503, "5.5.1", "Need MAIL command")
        }
        // 354 carries no enhanced code: RFC 2034 leaves intermediate replies alone.
        let standard = refusal ?? SMTPReply(code: 354, lines: ["End data with <CR><LF>.<CR><LF>"])
        let resolution = conclude(line, event: transactionEvent(stage: .data), standard: standard, environment: environment)
        if refusal == nil, resolution.positive { phase = .data }
        return resolution.output
    }

    mutating func bdat(_ line: CommandLine, environment: some SessionEnvironment) -> SessionOutput {
        let words = line.arguments.split(separator: " ")
        guard (1...2).contains(words.count), let size = Int(words[0]), size >= 0,
              words.count == 1 || words[1].uppercased() == "LAST" else {
            // Without a size the chunk cannot be skipped; the client's next bytes will be
            // read as commands, which is what a real server does too.
            return unscripted(line, standardReply(501, "5.5.4", "Syntax: BDAT size [LAST]"), environment: environment)
        }
        let refusal: SMTPReply?
        if !configuration.extensions.chunking {
            refusal = standardReply(502, "5.5.1", "BDAT not available")
        } else if let transaction {
            refusal = transaction.recipients.isEmpty ? standardReply(554, "5.5.1", "No valid recipients") : nil
        } else {
            refusal = standardReply(503, "5.5.1", "Need MAIL command")
        }
        // The reply waits until the chunk has been read.
        phase = .chunk(PendingChunk(size: size, last: words.count == 2, refusal: refusal))
        return .nothing
    }

    mutating func chunkReceived(_ bytes: [UInt8], octets: Int, environment: some SessionEnvironment) -> SessionOutput {
        guard case .chunk(let chunk) = phase else { return .nothing }
        phase = .commands
        let line = CommandLine(Array("BDAT \(chunk.size)\(chunk.last ? " LAST" : "")".utf8))
        if let refusal = chunk.refusal {
            return conclude(line, event: transactionEvent(stage: .dot), standard: refusal, environment: environment).output
        }
        transaction?.chunks.append(contentsOf: bytes)
        transaction?.chunkOctets += octets
        transaction?.usedBDAT = true
        guard chunk.last else {
            let standard = standardReply(250, "2.0.0", "\(octets) octets received")
            return conclude(line, event: transactionEvent(stage: .dot), standard: standard, environment: environment).output
        }
        let data = transaction?.chunks ?? []
        let total = transaction?.chunkOctets ?? 0
        return finishMessage(data: data, octets: total, line: line, environment: environment)
    }

    mutating func endOfData(_ outcome: InputFramer.DataOutcome, environment: some SessionEnvironment) -> SessionOutput {
        phase = .commands
        let line = CommandLine(Array(". \(outcome.octets) octets".utf8))
        return finishMessage(data: outcome.bytes, octets: outcome.octets, line: line, environment: environment)
    }

    /// The reply after the dot or the last chunk; the transaction ends whatever it says.
    private mutating func finishMessage(data: [UInt8], octets: Int, line: CommandLine,
                                        environment: some SessionEnvironment) -> SessionOutput {
        guard let transaction else {
            return unscripted(line, standardReply(503, "5.5.1", "Need MAIL command"), environment: environment)
        }
        let tooLarge = octets > configuration.maximumMessageSize
        let standard = tooLarge
            ? standardReply(552, "5.3.4", "Message size exceeds fixed maximum message size")
            : standardReply(250, "2.0.0", "Ok: queued as T\(transaction.ordinal)")
        var resolution = resolve(transactionEvent(stage: .dot), standard: standard, environment: environment)
        self.transaction = nil
        if !tooLarge, resolution.positive {
            let message = ReceivedMessage(ordinal: 0, transactionOrdinal: transaction.ordinal, connectionID: connectionID,
                                          mailFrom: transaction.sender, mailParameters: transaction.parameters,
                                          recipients: transaction.recipients, data: data, tls: tls,
                                          authenticatedUser: authenticatedUser, clientName: clientName,
                                          usedBDAT: transaction.usedBDAT, receivedAt: Date())
            do {
                try environment.accept(message)
            } catch {
                // Never acknowledge a message that was not stored.
                if case .reply = resolution.output.action.response {
                    let failure = standardReply(451, "4.3.0", "Cannot store message: \(error)")
                    resolution.output.action.response = .reply(failure)
                    resolution.sent = failure
                }
            }
        }
        log(verb: line.verb, arguments: line.arguments, sent: resolution.sent, environment: environment)
        return resolution.output
    }

    func transactionEvent(stage: SMTPStage) -> ScriptEvent {
        ScriptEvent(stage: stage, connectionOrdinal: connectionID, messageOrdinal: transaction?.ordinal,
                    sender: transaction?.sender, recipient: nil, transactionRecipients: transaction?.recipients ?? [])
    }
}
