/// One MAIL / RCPT / DATA transaction inside the session state machine.
///
/// With RFC 2920 pipelining every command up to DATA goes out in one write and the replies
/// are matched to the commands in order; without it the next command waits for the previous
/// reply, and the transaction stops early when the sender or every recipient is refused.
struct TransactionState: Sendable {
    enum Step: Sendable {
        case write([UInt8])
        case wait
        case finished(TransactionResult, resetNeeded: Bool)
        case protocolViolation(String, SMTPStage, SMTPReply?)

        var bytes: [UInt8]? {
            if case .write(let bytes) = self { return bytes }
            return nil
        }
    }

    private enum Phase: Sendable {
        case commands
        case awaitingFinalReply
        /// DATA was accepted although no recipient was: a lone dot ends it (RFC 2920 section 3.1).
        case discardingData
    }

    /// What the transaction sends, fixed when it starts. A class, so that moving the state
    /// machine from one state to the next (once per reply) copies one reference instead of
    /// retaining every array and string of the message.
    final class Plan: Sendable {
        let message: OutgoingMessage
        let commands: [SMTPCommand]
        /// Each command's wire form, encoded (and so validated) once by the session.
        let lines: [[UInt8]]
        let pipelined: Bool
        let payload: Payload
        let firstRecipientIndex: Int

        init(message: OutgoingMessage, commands: [SMTPCommand], lines: [[UInt8]], pipelined: Bool, payload: Payload) {
            precondition(lines.count == commands.count, "one encoded line per command")
            self.message = message
            self.commands = commands
            self.lines = lines
            self.pipelined = pipelined
            self.payload = payload
            self.firstRecipientIndex = commands.firstIndex(where: { if case .rcptTo = $0 { return true }; return false }) ?? commands.count
        }
    }

    /// The message as it goes on the wire, encoded once by the session.
    enum Payload: Sendable {
        /// What follows DATA's 354: the dot-stuffed message and its terminator.
        case data([UInt8])
        /// The message with CRLF line endings, sent as is after `BDAT n LAST` (RFC 3030: no
        /// dot-stuffing, no terminator).
        case chunk([UInt8])
    }

    private let plan: Plan
    var message: OutgoingMessage { plan.message }
    private var commands: [SMTPCommand] { plan.commands }
    private var chunk: [UInt8]? {
        if case .chunk(let bytes) = plan.payload { return bytes }
        return nil
    }

    var isPipelined: Bool { plan.pipelined }
    /// True when everything of this transaction is on the wire and only its final reply is
    /// awaited: the point where the next transaction may follow (RFC 2920 section 3.1).
    var isAwaitingFinalReply: Bool {
        if case .awaitingFinalReply = phase { return true }
        return chunk != nil && sentCount == plan.commands.count
    }
    private var phase = Phase.commands
    private var sentCount = 0
    private var answeredCount = 0
    private var mailReply: SMTPReply?
    private var recipientReplies: [SMTPReply?]
    private var dataReply: SMTPReply?
    private var finalReply: SMTPReply?
    private var lastReply: (reply: SMTPReply, stage: SMTPStage)?

    init(plan: Plan) {
        self.plan = plan
        self.recipientReplies = Array(repeating: nil, count: plan.message.recipients.count)
    }

    /// The stage of the reply awaited next.
    var awaitedStage: SMTPStage {
        switch phase {
        case .commands: return answeredCount < commands.count ? commands[answeredCount].stage : .data
        case .awaitingFinalReply, .discardingData: return .dot
        }
    }

    /// Replies owed for what this transaction has written.
    var repliesOwed: Int {
        switch phase {
        case .commands: return sentCount - answeredCount
        case .awaitingFinalReply, .discardingData: return 1
        }
    }

    mutating func start() -> Step {
        let count = plan.pipelined ? commands.count : 1
        sentCount = count
        return .write(encode(commands[0..<count]))
    }

    mutating func receive(_ reply: SMTPReply) -> Step {
        switch phase {
        case .awaitingFinalReply:
            finalReply = reply
            lastReply = (reply, .dot)
            return finish(closing: reply.code == 421)
        case .discardingData:
            return finish(closing: reply.code == 421)
        case .commands:
            break
        }
        guard answeredCount < sentCount else {
            return .protocolViolation("reply to a command that was not sent", awaitedStage, reply)
        }
        let command = commands[answeredCount]
        lastReply = (reply, command.stage)
        // RFC 5321 section 4.3.2: MAIL, RCPT and RSET end with 2yz, 4yz or 5yz, DATA goes on
        // with 354 or fails with 4yz/5yz. Anything else cannot be read as a refusal (a 250 to
        // DATA is not "refused at data"): the server and this client disagree on where they are.
        if case .data = command, reply.code != 354, !reply.isTransientNegative, !reply.isPermanentNegative {
            return .protocolViolation("DATA answered with \(reply.code) instead of 354", .data, reply)
        }
        if reply.isPositiveIntermediate, command.expectsCompletionReply {
            return .protocolViolation("\(command.verb) answered with \(reply.code), which only DATA and AUTH may get", command.stage, reply)
        }
        switch command {
        case .rset:
            guard reply.code == 250 else { return .protocolViolation("RSET refused", .rset, reply) }
        case .mailFrom:
            mailReply = reply
        case .rcptTo:
            recipientReplies[answeredCount - plan.firstRecipientIndex] = reply
        case .data:
            dataReply = reply
        case .bdat:
            finalReply = reply
        default:
            break
        }
        answeredCount += 1
        // RFC 5321 section 3.8: 421 means the server is closing; no further reply will come.
        if reply.code == 421 { return finish(closing: true) }
        if answeredCount < sentCount { return .wait }

        if answeredCount < commands.count {
            if mailReply.map({ !$0.isPositiveCompletion }) == true { return finish(closing: false) }
            switch commands[answeredCount] {
            case .data, .bdat:
                if !anyRecipientAccepted { return finish(closing: false) }
            default:
                break
            }
            sentCount += 1
            return .write(encode(commands[answeredCount..<sentCount]))
        }

        guard case .data(let transfer) = plan.payload else { return finish(closing: false) }

        guard dataReply?.code == 354 else { return finish(closing: false) }
        if mailReply?.isPositiveCompletion == true, anyRecipientAccepted {
            phase = .awaitingFinalReply
            return .write(transfer)
        }
        phase = .discardingData
        return .write(Array(".\r\n".utf8))
    }

    private var anyRecipientAccepted: Bool {
        recipientReplies.contains { $0?.isPositiveCompletion == true }
    }

    private func finish(closing: Bool) -> Step {
        let outcomes = message.recipients.indices.map { index in
            outcome(for: index)
        }
        let result = TransactionResult(recipients: outcomes, finalReply: finalReply, sessionClosed: closing)
        return .finished(result, resetNeeded: finalReply == nil && !closing)
    }

    private func outcome(for index: Int) -> RecipientOutcome {
        let recipient = message.recipients[index]
        func refused(_ reply: SMTPReply, _ stage: SMTPStage) -> RecipientOutcome {
            RecipientOutcome(recipient: recipient, accepted: false, stage: stage, reply: reply)
        }
        if let mailReply, !mailReply.isPositiveCompletion { return refused(mailReply, .mail) }
        if let reply = recipientReplies[index] {
            if !reply.isPositiveCompletion { return refused(reply, .rcpt) }
            if let dataReply, dataReply.code != 354 { return refused(dataReply, .data) }
            if let finalReply {
                return RecipientOutcome(recipient: recipient, accepted: finalReply.isPositiveCompletion, stage: .dot, reply: finalReply)
            }
        }
        // The transaction ended before this recipient was answered (a 421 cut it short).
        let last = lastReply ?? (SMTPReply(code: 421, lines: ["connection closed"]), SMTPStage.rcpt)
        return refused(last.reply, last.stage)
    }

    private func encode(_ range: ArraySlice<SMTPCommand>) -> [UInt8] {
        var bytes: [UInt8] = []
        for index in range.indices {
            bytes.append(contentsOf: plan.lines[index])
            if case .bdat = commands[index], let chunk { bytes.append(contentsOf: chunk) }
        }
        return bytes
    }
}

private extension SMTPCommand {
    /// Commands whose only acceptable replies are 2yz, 4yz and 5yz.
    var expectsCompletionReply: Bool {
        switch self {
        case .mailFrom, .rcptTo, .rset, .bdat: return true
        default: return false
        }
    }
}
