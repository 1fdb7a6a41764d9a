/// Lays out one header field as lines (RFC 5322 2.2.3 folding): a fold is a CRLF inserted before
/// whitespace, so unfolding (removing the CRLFs) gives back the value.
///
/// Lines stay within 78 characters where the pieces allow it and never exceed 998 (RFC 5322
/// 2.1.1): callers hand over no unbreakable piece longer than 920 characters, and encoded text is
/// cut into encoded-words to fit the room left on the line.
struct HeaderFolder {
    static let preferredLineLength = 78
    static let maximumLineLength = 998

    /// A run is not cut to fill the last few characters of a line: an encoded-word for one or
    /// two letters at the end of a line is legal but hard to read in raw form.
    static let shortestSplitWord = 30

    private var lines: [String] = []
    private var line: String
    /// Whether the current line has a piece of the value; folding before the first piece would
    /// leave a line without content.
    private var lineHasContent = false

    init(name: String) {
        line = name + ":"
    }

    /// Appends a piece that must stay whole (a word, a quoted string, an `<addr-spec>`), preceded
    /// by `whitespace` (never empty), where the line may be folded.
    mutating func appendWhole(_ text: String, after whitespace: String) {
        if lineHasContent && length(of: line) + length(of: whitespace) + length(of: text) > Self.preferredLineLength {
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
            let room = Self.preferredLineLength - length(of: line) - length(of: separator)
            var rest = units
            if let word = EncodedWord.take(from: &rest, budget: room, encoding: encoding),
               rest.isEmpty || !lineHasContent || word.utf8.count >= Self.shortestSplitWord {
                units = rest
                line += separator + word
            } else if lineHasContent {
                fold()
                continue
            } else {
                // A fresh line with too little room for one word (a long header name or long
                // whitespace): exceed 78 rather than fail. A full-size word always fits in 998
                // because names are at most 76 characters and whitespace at most 76.
                line += separator + EncodedWord.takeFullWord(from: &units, encoding: encoding)
            }
            lineHasContent = true
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
    }

    /// Octets, the unit of RFC 5322's limits (headers here are ASCII unless an SMTPUTF8 address
    /// is in them).
    private func length(of text: String) -> Int { text.utf8.count }
}
