/// Lays out one header field as lines (RFC 5322 2.2.3 folding): a fold is a CRLF inserted before
/// whitespace, so unfolding (removing the CRLFs) gives back the value.
///
/// Lines stay within 78 characters where the pieces allow it and never exceed 998 (RFC 5322
/// 2.1.1): callers hand over no unbreakable piece longer than 920 characters, and encoded text is
/// cut into encoded-words to fit the room left on the line. A line that holds an encoded-word
/// stays within 76 characters (RFC 2047 section 2), whatever else is on it.
struct HeaderFolder {
    static let preferredLineLength = 78
    /// RFC 2047 section 2: "each line of a header field that contains one or more
    /// 'encoded-word's is limited to 76 characters".
    static let encodedWordLineLength = 76
    static let maximumLineLength = 998

    /// A run is not cut to fill the last few characters of a line: an encoded-word for one or
    /// two letters at the end of a line is legal but hard to read in raw form.
    static let shortestSplitWord = 30

    private var lines: [String] = []
    private var line: String
    /// Whether the current line has a piece of the value; folding before the first piece would
    /// leave a line without content.
    private var lineHasContent = false
    /// Whether the current line holds an encoded-word, which lowers its limit to 76.
    private var lineHasEncodedWord = false

    init(name: String) {
        line = name + ":"
    }

    /// Appends a piece that must stay whole (a word, a quoted string, an `<addr-spec>`), preceded
    /// by `whitespace` (never empty), where the line may be folded.
    mutating func appendWhole(_ text: String, after whitespace: String) {
        let limit = lineHasEncodedWord ? Self.encodedWordLineLength : Self.preferredLineLength
        if lineHasContent && length(of: line) + length(of: whitespace) + length(of: text) > limit {
            fold()
        }
        line += whitespace + text
        lineHasContent = true
    }

    /// Appends text as encoded-words. The whitespace between two encoded-words is not part of the
    /// text (RFC 2047 6.2), so all of the text, spaces included, is inside the words.
    mutating func appendEncoded(_ text: String, after whitespace: String, encoding: EncodedWord.Encoding) {
        var units = EncodedWord.units(of: text)[...]
        var separator = whitespace
        while !units.isEmpty {
            let room = Self.encodedWordLineLength - length(of: line) - length(of: separator)
            var rest = units
            if let word = EncodedWord.take(from: &rest, budget: room, encoding: encoding),
               rest.isEmpty || !lineHasContent || word.utf8.count >= Self.shortestSplitWord {
                units = rest
                line += separator + word
            } else if lineHasContent || lines.isEmpty {
                // On the first line this leaves "Name:" alone and starts the value on the next
                // line: a long header name leaves no room for a word, and RFC 5322's FWS may
                // fold right after the colon.
                fold()
                continue
            } else if separator.unicodeScalars.count > 1 {
                // A continuation line whose whitespace leaves no room for the first word: all
                // of the whitespace but one character goes inside the encoded-words. Decoders
                // keep the whitespace before an encoded-word that follows plain text (RFC 2047
                // 6.2), so the decoded value is the same.
                let scalars = separator.unicodeScalars
                units = (EncodedWord.units(of: String(scalars.dropFirst())) + units)[...]
                separator = String(scalars.prefix(1))
                continue
            } else {
                // Not reached: one space and a full-size word (75) fit in 76. Kept so that
                // text is never dropped.
                line += separator + EncodedWord.takeFullWord(from: &units, encoding: encoding)
            }
            lineHasContent = true
            lineHasEncodedWord = true
            separator = " "
        }
    }

    /// The field: lines joined with CRLF, ending with CRLF.
    func finish() -> String {
        (lines + [line]).joined(separator: "\r\n") + "\r\n"
    }

    private mutating func fold() {
        lines.append(line)
        line = ""
        lineHasContent = false
        lineHasEncodedWord = false
    }

    /// Octets, the unit of RFC 5322's limits (headers here are ASCII unless an SMTPUTF8 address
    /// is in them).
    private func length(of text: String) -> Int { text.utf8.count }
}
