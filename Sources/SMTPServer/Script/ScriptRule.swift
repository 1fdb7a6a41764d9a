import SMTP

/// One "when this happens, do that" line of a ``ServerScript``.
///
/// `stage` uses the client's vocabulary (``SMTPStage``), so a test reads like the failure it
/// provokes: a rule on `.rcpt` produces an `SMTPError` whose stage is `.rcpt`. `.greeting`
/// and `.connect` both mean the greeting; `.dot` is the reply after the terminating dot and
/// after each BDAT chunk; `.tlsHandshake` never matches.
///
/// All conditions that are set must hold. `occurrences` counts how many times the other
/// conditions held so far, server-wide and from 1, which is what greylisting needs:
/// `ScriptRule(on: .rcpt, occurrences: .first(2), action: .reply(452, "4.2.0 Greylisted"))`.
public struct ScriptRule: Hashable, Sendable {
    public var stage: SMTPStage
    /// For `.rcpt`, the recipient of that command; for `.data` and `.dot`, a recipient the
    /// transaction has accepted. Compared without regard to case.
    public var recipient: String?
    /// The transaction's MAIL FROM address (for `.mail`, `.rcpt`, `.data`, `.dot`).
    public var sender: String?
    /// The transaction's number, server-wide and from 1: each MAIL command starts the next one,
    /// whether it is accepted or not, and a reconnecting client's retry gets a new number.
    public var messages: Ordinals?
    /// The connection's number, server-wide and from 1, in order of acceptance.
    public var connections: Ordinals?
    /// Which matches of the conditions above trigger the action.
    public var occurrences: Ordinals?
    public var action: ServerAction

    public init(on stage: SMTPStage, recipient: String? = nil, sender: String? = nil, messages: Ordinals? = nil,
                connections: Ordinals? = nil, occurrences: Ordinals? = nil, action: ServerAction) {
        self.stage = stage
        self.recipient = recipient
        self.sender = sender
        self.messages = messages
        self.connections = connections
        self.occurrences = occurrences
        self.action = action
    }

    /// Everything but `occurrences`, which depends on the history the engine keeps.
    func matchesConditions(of event: ScriptEvent) -> Bool {
        guard Self.normalized(stage) == Self.normalized(event.stage) else { return false }
        if let recipient {
            switch event.stage {
            case .rcpt:
                guard let candidate = event.recipient, candidate.lowercased() == recipient.lowercased() else { return false }
            case .data, .dot:
                guard event.transactionRecipients.contains(where: { $0.lowercased() == recipient.lowercased() }) else { return false }
            default:
                return false
            }
        }
        if let sender {
            guard let candidate = event.sender, candidate.lowercased() == sender.lowercased() else { return false }
        }
        if let messages {
            guard let ordinal = event.messageOrdinal, messages.contains(ordinal) else { return false }
        }
        if let connections, !connections.contains(event.connectionOrdinal) { return false }
        return true
    }

    private static func normalized(_ stage: SMTPStage) -> SMTPStage {
        stage == .connect ? .greeting : stage
    }
}

/// The moment a rule is checked against: which stage, and the transaction around it.
struct ScriptEvent: Hashable, Sendable {
    var stage: SMTPStage
    var connectionOrdinal: Int
    var messageOrdinal: Int?
    var sender: String?
    var recipient: String?
    var transactionRecipients: [String] = []
}
