/// How a display name is written as an RFC 5322 phrase when it is not encoded.
enum PhraseSyntax {
    /// A phrase of atoms (RFC 5322 3.2.3/3.2.5) separated by single spaces, which needs no quotes.
    /// Anything else (a comma, a dot, a quote, two spaces) would change meaning or be normalized
    /// away by a parser, so it is quoted.
    static func isPlainPhrase(_ text: String) -> Bool {
        let words = text.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
        return !text.isEmpty && words.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isAtext) }
    }

    /// RFC 5322 3.2.4 quoted-string with '"' and '\' as quoted-pairs.
    static func quotedString(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        result.append("\"")
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { result.append("\\") }
            result.append(scalar)
        }
        result.append("\"")
        return String(result)
    }
}
