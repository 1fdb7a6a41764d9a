import Foundation
import SMTP

/// Everything an ``SMTPTestServer`` does differently from a plain, accepting server.
///
/// The defaults describe a permissive modern MX on an ephemeral loopback port: no TLS, no
/// AUTH, PIPELINING, SIZE 10 MiB, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES.
public struct SMTPServerConfiguration: Sendable {
    /// The address to bind; loopback by default so a test server is never reachable from outside.
    public var host: String
    /// 0 picks a free port; read the real one from ``SMTPTestServer/port``.
    public var port: Int
    /// The name in the greeting and the EHLO reply.
    public var hostname: String
    public var tls: ServerTLSMode
    /// Whether EHLO lists STARTTLS when ``tls`` is `.startTLS`. Off, the server still accepts
    /// the command, which lets tests check that a client refuses to go on in plaintext.
    public var advertisesStartTLS: Bool
    /// MAIL and AUTH are refused with 530 5.7.0 until TLS is active, and AUTH is only
    /// advertised inside TLS (as Gmail's port 587 does).
    public var requiresTLS: Bool
    public var authentication: ServerAuthentication
    public var extensions: AdvertisedExtensions
    /// Larger messages get 552 5.3.4, at MAIL when SIZE= declares it, else after the data.
    public var maximumMessageSize: Int
    /// RCPT beyond this gets 452 4.5.3 (RFC 5321 section 4.5.3.1.8 asks for at least 100).
    public var maximumRecipients: Int
    /// RFC 5321 section 4.5.3.1.4: 512 octets per command line, CRLF included. Longer lines get
    /// 500 5.5.2 and are discarded as they arrive rather than buffered.
    public var maximumCommandLength: Int
    /// RFC 4954 section 4 allows 12288 octets for AUTH lines, which OAuth tokens need.
    public var maximumAuthLineLength: Int
    public var script: ServerScript
    /// Where accepted messages are written, if anywhere.
    public var maildir: MaildirSink?
    /// How many messages and commands the in-memory ``ServerRecord`` keeps (the oldest go
    /// first); nil keeps everything, right for tests, while a long-running `mailctl sink`
    /// needs a bound.
    public var recordLimit: Int?

    public init(host: String = "127.0.0.1", port: Int = 0, hostname: String = "mx.test.invalid", tls: ServerTLSMode = .none,
                advertisesStartTLS: Bool = true, requiresTLS: Bool = false, authentication: ServerAuthentication = .disabled,
                extensions: AdvertisedExtensions = AdvertisedExtensions(), maximumMessageSize: Int = 10 * 1024 * 1024,
                maximumRecipients: Int = 1000, maximumCommandLength: Int = 512, maximumAuthLineLength: Int = 12288,
                script: ServerScript = .none, maildir: MaildirSink? = nil, recordLimit: Int? = nil) {
        self.host = host
        self.port = port
        self.hostname = hostname
        self.tls = tls
        self.advertisesStartTLS = advertisesStartTLS
        self.requiresTLS = requiresTLS
        self.authentication = authentication
        self.extensions = extensions
        self.maximumMessageSize = maximumMessageSize
        self.maximumRecipients = maximumRecipients
        self.maximumCommandLength = maximumCommandLength
        self.maximumAuthLineLength = maximumAuthLineLength
        self.script = script
        self.maildir = maildir
        self.recordLimit = recordLimit
    }
}
