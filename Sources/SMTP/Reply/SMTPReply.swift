/// One complete SMTP reply (RFC 5321 section 4.2), possibly assembled from several lines.
public struct SMTPReply: Hashable, Sendable, CustomStringConvertible {
    /// The three-digit basic reply code.
    public let code: Int
    /// The RFC 3463 code, when the server put one at the start of the first line.
    public let enhancedCode: EnhancedStatusCode?
    /// The text of each line after the code (and after the enhanced code, when present).
    public let lines: [String]

    public init(code: Int, enhancedCode: EnhancedStatusCode? = nil, lines: [String]) {
        self.code = code
        self.enhancedCode = enhancedCode
        self.lines = lines
    }

    /// 2yz: the command was accepted.
    public var isPositiveCompletion: Bool { (200..<300).contains(code) }
    /// 3yz: the server waits for more (354 after DATA, 334 during AUTH).
    public var isPositiveIntermediate: Bool { (300..<400).contains(code) }
    /// 4yz: failed for now; the same command may succeed later.
    public var isTransientNegative: Bool { (400..<500).contains(code) }
    /// 5yz: failed, and will fail again as sent.
    public var isPermanentNegative: Bool { (500..<600).contains(code) }

    /// All lines joined with a space, the form operators read and rules match against.
    public var text: String { lines.joined(separator: " ") }

    /// The reply as one line, e.g. `550 5.1.1 user unknown`.
    public var description: String {
        var result = String(code)
        if let enhancedCode { result += " \(enhancedCode)" }
        let text = self.text
        if !text.isEmpty { result += " " + text }
        return result
    }

    /// Parses a reply written as one line, the form of the shared fixtures and of
    /// `mailctl classify`: `550-5.1.1 text` and `550 5.1.1 text` are both accepted.
    public init?(singleLine: String) {
        let utf8 = Array(singleLine.utf8)
        guard utf8.count >= 3, utf8[0...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let code = Int(utf8[0] - 0x30) * 100 + Int(utf8[1] - 0x30) * 10 + Int(utf8[2] - 0x30)
        var rest = Substring(singleLine).dropFirst(3)
        if let separator = rest.first {
            guard separator == " " || separator == "-" else { return nil }
            rest = rest.dropFirst()
        }
        if let (enhanced, afterCode) = EnhancedStatusCode.parse(prefixOf: rest), enhanced.statusClass == code / 100 {
            self.init(code: code, enhancedCode: enhanced, lines: [String(afterCode)])
        } else {
            self.init(code: code, enhancedCode: nil, lines: [String(rest)])
        }
    }
}
