import Foundation
import SMTP

/// One message the server accepted (answered 2xx after the data), with its envelope and the
/// circumstances of its session.
public struct ReceivedMessage: Hashable, Sendable {
    /// 1 for the first message accepted by this server, in order of acceptance.
    public var ordinal: Int
    /// The transaction number scripts match with ``ScriptRule/messages``.
    public var transactionOrdinal: Int
    public var connectionID: Int
    /// The MAIL FROM address; empty for the null reverse-path `<>` of bounces.
    public var mailFrom: String
    /// The MAIL FROM parameters as sent (`SIZE=1234`, `BODY=8BITMIME`).
    public var mailParameters: [String]
    /// Accepted recipients, in order.
    public var recipients: [String]
    /// The message exactly as received after dot-unstuffing (or the BDAT chunks joined):
    /// CRLF line endings and every byte preserved, without the terminating `.CRLF`.
    public var data: [UInt8]
    /// The TLS session the message came through, if any.
    public var tls: TLSSessionInfo?
    /// The user the session authenticated as, if it did.
    public var authenticatedUser: String?
    /// The name the client gave in EHLO or HELO.
    public var clientName: String?
    public var usedBDAT: Bool
    public var receivedAt: Date

    public var tlsActive: Bool { tls != nil }

    /// The data decoded as UTF-8, for assertions in tests.
    public var text: String { String(decoding: data, as: UTF8.self) }
}
