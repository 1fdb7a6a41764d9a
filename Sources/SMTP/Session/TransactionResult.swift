/// A message handed to the session: its envelope and its bytes as composed (any line endings).
public struct OutgoingMessage: Sendable {
    /// The reverse-path; empty for a null sender.
    public var sender: String
    public var recipients: [String]
    public var data: [UInt8]

    public init(sender: String, recipients: [String], data: [UInt8]) {
        self.sender = sender
        self.recipients = recipients
        self.data = data
    }

    /// True when the message needs RFC 6531 SMTPUTF8: a non-ASCII address, or UTF-8 in the
    /// header section (RFC 6532 headers; MIME encoded-words keep a header ASCII).
    public var requiresSMTPUTF8: Bool {
        if sender.utf8.contains(where: { $0 >= 0x80 }) || recipients.contains(where: { $0.utf8.contains(where: { $0 >= 0x80 }) }) {
            return true
        }
        return headerSectionHasEightBitBytes
    }

    private var headerSectionHasEightBitBytes: Bool {
        var lineIsEmpty = true
        for byte in data {
            if byte == 0x0A {
                if lineIsEmpty { return false }  // the empty line ends the header section
                lineIsEmpty = true
            } else if byte != 0x0D {
                if byte >= 0x80 { return true }
                lineIsEmpty = false
            }
        }
        return false
    }

    /// True when the content has bytes over 127, which must be announced with BODY=8BITMIME.
    /// Checked eight bytes at a time: it runs over every message of a campaign.
    public var hasEightBitContent: Bool {
        data.withUnsafeBytes { bytes in
            let highBits: UInt64 = 0x8080_8080_8080_8080
            var index = 0
            while index + 8 <= bytes.count {
                if bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & highBits != 0 { return true }
                index += 8
            }
            while index < bytes.count {
                if bytes[index] >= 0x80 { return true }
                index += 1
            }
            return false
        }
    }
}

/// What happened to one recipient of a message.
public struct RecipientOutcome: Hashable, Sendable {
    public var recipient: String
    /// True when the server took responsibility for the message for this recipient.
    public var accepted: Bool
    /// The stage whose reply decided the outcome: `rcpt` for a refused address, `dot` for
    /// a message accepted or refused as a whole, `mail` when the sender was refused.
    public var stage: SMTPStage
    public var reply: SMTPReply

    public init(recipient: String, accepted: Bool, stage: SMTPStage, reply: SMTPReply) {
        self.recipient = recipient
        self.accepted = accepted
        self.stage = stage
        self.reply = reply
    }
}

/// The outcome of one MAIL ... DATA transaction.
public struct TransactionResult: Hashable, Sendable {
    public var recipients: [RecipientOutcome]
    /// The reply after the final dot, when the message got that far (it carries the relay's
    /// queue id, e.g. `250 2.0.0 Ok: queued as 4ABCD1234`).
    public var finalReply: SMTPReply?
    /// True when the server announced it is closing the connection (a 421 during the
    /// transaction); the session cannot be reused.
    public var sessionClosed: Bool

    public init(recipients: [RecipientOutcome], finalReply: SMTPReply?, sessionClosed: Bool) {
        self.recipients = recipients
        self.finalReply = finalReply
        self.sessionClosed = sessionClosed
    }

    public var acceptedCount: Int { recipients.count(where: \.accepted) }
}
