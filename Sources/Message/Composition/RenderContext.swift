import Foundation

/// What the daemon knows about one delivery that the campaign does not: ids, the time, the
/// unsubscribe secret and this host's name.
public struct RenderContext: Sendable {
    public var jobID: Int64
    public var recipientID: Int64
    /// The Date header's value.
    public var date: Date
    /// Key for the unsubscribe token and the Message-ID's hash; keep it across restarts, or old
    /// unsubscribe links stop verifying.
    public var unsubscribeSecret: [UInt8]
    /// Right-hand side of the Message-ID (`<...@hostname>`): a domain the sender controls.
    public var hostname: String

    public init(jobID: Int64, recipientID: Int64, date: Date, unsubscribeSecret: [UInt8], hostname: String) {
        self.jobID = jobID
        self.recipientID = recipientID
        self.date = date
        self.unsubscribeSecret = unsubscribeSecret
        self.hostname = hostname
    }
}

/// One message ready for SMTP DATA.
public struct RenderedMessage: Sendable {
    /// MAIL FROM path: the From address in SMTP form.
    public var envelopeSender: String
    /// RCPT TO path: the recipient with its domain as an IDNA A-label.
    public var envelopeRecipient: String
    /// Header and body, CRLF line ends, no line over 998 octets. Not dot-stuffed: the SMTP
    /// client does that (and no body line starts with "." anyway, see `BodyEncoder`).
    public var bytes: [UInt8]
    /// With the angle brackets, as in the header.
    public var messageID: String
    /// A UTF-8 local part in From, Reply-To or To (RFC 6531/6532): the relay must offer SMTPUTF8.
    public var requiresSMTPUTF8: Bool
    /// Always false today: bodies are 7bit, quoted-printable or base64, so 8BITMIME is never needed.
    public var has8BitBody: Bool
}
