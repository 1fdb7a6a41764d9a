import SMTP

/// Turns reply text as people write it (`"5.1.1 No such user"`, lines split by `\n`) into an
/// ``SMTPReply``, and replies into wire bytes.
enum ReplyText {
    static func parse(code: Int, text: String) -> SMTPReply {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.hasSuffix("\r") ? line.dropLast() : line)
        }
        var enhanced: EnhancedStatusCode?
        if let first = lines.first {
            let words = first.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            if let word = words.first, let code = EnhancedStatusCode(String(word)) {
                enhanced = code
                lines[0] = words.count > 1 ? String(words[1]) : ""
                // Later lines may repeat the code, as they do on the wire.
                for index in lines.indices.dropFirst() {
                    let parts = lines[index].split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                    if let head = parts.first, EnhancedStatusCode(String(head)) == code {
                        lines[index] = parts.count > 1 ? String(parts[1]) : ""
                    }
                }
            }
        }
        return SMTPReply(code: code, enhancedCode: enhanced, lines: lines)
    }

    /// The reply on the wire: `code-` on every line but the last, the enhanced code on each
    /// line. CR and LF inside a line are dropped so that a reply value can never break the
    /// framing; `ServerAction.raw` exists for tests that want it broken.
    static func encode(_ reply: SMTPReply) -> [UInt8] {
        let lines = reply.lines.isEmpty ? [""] : reply.lines
        var output: [UInt8] = []
        let code = String(format3: reply.code)
        for (index, line) in lines.enumerated() {
            var text = code + (index == lines.count - 1 ? " " : "-")
            if let enhanced = reply.enhancedCode { text += "\(enhanced) " }
            // By scalar: Swift treats "\r\n" as one Character, which a Character filter would miss.
            text += String(String.UnicodeScalarView(line.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }))
            while text.hasSuffix(" ") { text.removeLast() }
            output.append(contentsOf: text.utf8)
            output.append(contentsOf: [0x0D, 0x0A])
        }
        return output
    }
}

extension String {
    /// A reply code as three digits even when a script gives something odd like 42.
    init(format3 value: Int) {
        let digits = String(value)
        self = digits.count >= 3 ? digits : String(repeating: "0", count: 3 - digits.count) + digits
    }
}
