/// Assembles SMTP replies from bytes as they arrive, in any split.
///
/// Sans-I/O: the client handler feeds it whatever the socket (or the TLS layer) delivered and
/// takes out complete replies. It never trusts the peer: every line and every reply has a
/// size limit, so a hostile or broken server cannot make it buffer without bound.
public struct ReplyParser: Sendable {
    /// Limits on what the server may send. RFC 5321 section 4.5.3.1.5 allows 512 octets
    /// per reply line; real servers exceed it (long EHLO lines, verbose rejections), so the
    /// defaults are generous but finite.
    public struct Limits: Sendable {
        public var maximumLineLength: Int
        public var maximumLines: Int

        public init(maximumLineLength: Int = 4096, maximumLines: Int = 256) {
            self.maximumLineLength = maximumLineLength
            self.maximumLines = maximumLines
        }
    }

    public enum ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        case lineTooLong(limit: Int)
        case tooManyLines(limit: Int)
        case malformedLine(String)
        case inconsistentCodes(first: Int, later: Int)

        public var description: String {
            switch self {
            case .lineTooLong(let limit):
                return "reply line longer than \(limit) octets"
            case .tooManyLines(let limit):
                return "reply of more than \(limit) lines"
            case .malformedLine(let line):
                return "malformed reply line \(String(reflecting: line))"
            case .inconsistentCodes(let first, let later):
                return "multi-line reply changed its code from \(first) to \(later)"
            }
        }
    }

    public let limits: Limits
    private var buffer: [UInt8] = []
    private var consumed = 0
    private var pendingCode: Int?
    private var pendingLines: [Substring] = []

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes received but not yet part of a complete reply. After a STARTTLS 220 this must be
    /// empty: anything here was sent in plaintext before the handshake and must not be trusted.
    public var hasBufferedData: Bool { buffer.count > consumed || !pendingLines.isEmpty }

    /// Adds received bytes.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if consumed > 0, consumed == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            consumed = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete reply, or nil when more bytes are needed.
    public mutating func nextReply() throws(ParseError) -> SMTPReply? {
        while true {
            guard let lineEnd = findLineEnd() else {
                if buffer.count - consumed > limits.maximumLineLength + 2 {
                    throw .lineTooLong(limit: limits.maximumLineLength)
                }
                compact()
                return nil
            }
            var lineBytes = buffer[consumed..<lineEnd]
            consumed = lineEnd + 1
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes = lineBytes.dropLast() }
            if lineBytes.count > limits.maximumLineLength {
                throw .lineTooLong(limit: limits.maximumLineLength)
            }
            let (code, isLast, text) = try parseLine(lineBytes)
            if let pendingCode, pendingCode != code {
                throw .inconsistentCodes(first: pendingCode, later: code)
            }
            pendingCode = code
            pendingLines.append(text)
            if pendingLines.count > limits.maximumLines {
                throw .tooManyLines(limit: limits.maximumLines)
            }
            if isLast {
                let reply = makeReply(code: code, lines: pendingLines)
                pendingCode = nil
                pendingLines.removeAll(keepingCapacity: true)
                return reply
            }
        }
    }

    private func findLineEnd() -> Int? {
        var index = consumed
        while index < buffer.count {
            if buffer[index] == UInt8(ascii: "\n") { return index }
            index += 1
        }
        return nil
    }

    private mutating func compact() {
        if consumed > 4096 || consumed == buffer.count {
            buffer.removeFirst(consumed)
            consumed = 0
        }
    }

    private func parseLine(_ line: ArraySlice<UInt8>) throws(ParseError) -> (code: Int, isLast: Bool, text: Substring) {
        let start = line.startIndex
        guard line.count >= 3,
              (0x32...0x35).contains(line[start]),
              (0x30...0x39).contains(line[start + 1]),
              (0x30...0x39).contains(line[start + 2]) else {
            throw .malformedLine(Self.printable(line))
        }
        let code = Int(line[start] - 0x30) * 100 + Int(line[start + 1] - 0x30) * 10 + Int(line[start + 2] - 0x30)
        if line.count == 3 { return (code, true, "") }
        let separator = line[start + 3]
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw .malformedLine(Self.printable(line))
        }
        // Servers are not always clean UTF-8 (Latin-1 greetings exist): decode leniently. Control
        // characters become "?": this text reaches logs and terminals, where an escape sequence
        // from a hostile server could rewrite what the operator sees. That includes the C1
        // controls once decoded (U+009B is the 8-bit CSI), found by Tests/Fuzz (reply).
        let decoded = String(decoding: line[(start + 4)...], as: UTF8.self)
        let text: Substring
        if decoded.unicodeScalars.contains(where: Self.isTerminalControl) {
            var scalars = String.UnicodeScalarView()
            for scalar in decoded.unicodeScalars { scalars.append(Self.isTerminalControl(scalar) ? "?" : scalar) }
            text = Substring(String(scalars))
        } else {
            text = Substring(decoded)
        }
        return (code, separator == UInt8(ascii: " "), text)
    }

    /// C0 controls but TAB, DEL and C1 controls (U+0080-U+009F).
    private static func isTerminalControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }

    private func makeReply(code: Int, lines: [Substring]) -> SMTPReply {
        // RFC 3463 puts the enhanced code on every line; take it from the first and strip
        // it from each line that repeats it.
        guard let first = lines.first, let (enhanced, firstText) = EnhancedStatusCode.parse(prefixOf: first),
              enhanced.statusClass == code / 100 else {
            return SMTPReply(code: code, enhancedCode: nil, lines: lines.map(String.init))
        }
        var texts = [String(firstText)]
        texts.reserveCapacity(lines.count)
        for line in lines.dropFirst() {
            if let (_, rest) = EnhancedStatusCode.parse(prefixOf: line) { texts.append(String(rest)) } else { texts.append(String(line)) }
        }
        return SMTPReply(code: code, enhancedCode: enhanced, lines: texts)
    }

    private static func printable(_ bytes: ArraySlice<UInt8>) -> String {
        displayable(String(decoding: bytes.prefix(120), as: UTF8.self))
    }

    /// `text` with every terminal control character but TAB replaced by "?": server text
    /// reaches logs and terminals, where an escape sequence could rewrite what is shown.
    static func displayable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isTerminalControl) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { scalars.append(isTerminalControl(scalar) ? "?" : scalar) }
        return String(scalars)
    }
}
