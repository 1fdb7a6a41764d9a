import SMTP

/// What the server does at one point of the conversation instead of (or around) its
/// standard reply: the fault a test injects.
///
/// A value with independent parts (what to send, when, how, and what next) so that faults
/// combine without a case for each combination: `.reply(421, "4.7.0 Try later").closing()`,
/// `.standard.delayed(by: .seconds(3))`, `.reply(250, "2.0.0 Ok").sentByteByByte()`.
public struct ServerAction: Hashable, Sendable {
    public enum Response: Hashable, Sendable {
        /// The reply the server would have given without a script.
        case standard
        case reply(SMTPReply)
        /// Exact bytes, no framing added: garbage, over-long lines, half replies.
        case raw([UInt8])
        /// Nothing at all.
        case nothing
    }

    public enum Afterwards: Hashable, Sendable {
        /// Go on reading commands.
        case proceed
        /// Close the connection (a 421 shutdown, or a drop when nothing was sent).
        case close
        /// Never answer again but keep the socket open: the stalled server a client's timeouts
        /// exist for.
        case hang
    }

    public var response: Response
    /// Waited before the first byte of the response is sent; pipelined commands behind this
    /// one wait too, as they would behind a slow real server.
    public var delay: Duration
    /// When set, the response goes out one byte per write with this pause between writes, so
    /// the client's parser sees every possible split.
    public var byteInterval: Duration?
    public var afterwards: Afterwards

    public init(response: Response, delay: Duration = .zero, byteInterval: Duration? = nil, afterwards: Afterwards = .proceed) {
        self.response = response
        self.delay = delay
        self.byteInterval = byteInterval
        self.afterwards = afterwards
    }

    /// The server's own reply, unchanged; combine with ``delayed(by:)`` for a stall.
    public static let standard = ServerAction(response: .standard)

    public static func reply(_ reply: SMTPReply) -> ServerAction {
        ServerAction(response: .reply(reply))
    }

    /// A reply written as operators read it: `reply(550, "5.1.1 No such user")`. A leading
    /// enhanced status code is recognised; `\n` in `text` separates the lines of a multi-line
    /// reply, each of which then carries the enhanced code, as RFC 2034 wants.
    public static func reply(_ code: Int, _ text: String = "") -> ServerAction {
        .reply(ReplyText.parse(code: code, text: text))
    }

    /// The reply, then the connection is closed: `421 4.7.0 Too many connections`.
    public static func replyAndClose(_ code: Int, _ text: String = "") -> ServerAction {
        reply(code, text).closing()
    }

    /// Close without a reply: a crashed server or a middlebox reset.
    public static let drop = ServerAction(response: .nothing, afterwards: .close)

    /// Never reply and never close: a greeting that never comes, a DATA that hangs.
    public static let silence = ServerAction(response: .nothing, afterwards: .hang)

    public static func raw(_ bytes: [UInt8]) -> ServerAction {
        ServerAction(response: .raw(bytes))
    }

    /// Raw text, sent as UTF-8 with no CRLF added.
    public static func raw(_ text: String) -> ServerAction {
        ServerAction(response: .raw(Array(text.utf8)))
    }

    public func delayed(by delay: Duration) -> ServerAction {
        var copy = self
        copy.delay = delay
        return copy
    }

    public func sentByteByByte(interval: Duration = .zero) -> ServerAction {
        var copy = self
        copy.byteInterval = interval
        return copy
    }

    public func closing() -> ServerAction {
        var copy = self
        copy.afterwards = .close
        return copy
    }

    public func hanging() -> ServerAction {
        var copy = self
        copy.afterwards = .hang
        return copy
    }
}
