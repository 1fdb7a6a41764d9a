import Foundation

/// What every generated header field must look like on the wire, checked without trusting the
/// encoder: CRLF line ends only, folds before whitespace, line limits, encoded-word limits.
enum HeaderWireChecks {
    /// RFC 2047 section 2: "While there is no limit to the length of a multiple-line header
    /// field, each line of a header field that contains one or more 'encoded-word's is limited to
    /// 76 characters."
    static let longestEncodedWordLine = 76

    /// Human-readable violations; empty when the field is well-formed.
    static func problems(in field: String, preferredLength: Int? = nil) -> [String] {
        var problems: [String] = []
        let bytes = Array(field.utf8)
        if !field.hasSuffix("\r\n") { problems.append("does not end with CRLF") }
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0D && (index + 1 >= bytes.count || bytes[index + 1] != 0x0A) { problems.append("bare CR at \(index)") }
            if byte == 0x0A && (index == 0 || bytes[index - 1] != 0x0D) { problems.append("bare LF at \(index)") }
        }
        for (number, line) in lines(of: field).enumerated() {
            if line.utf8.count > 998 { problems.append("line \(number + 1) has \(line.utf8.count) octets") }
            if let preferredLength, line.utf8.count > preferredLength {
                problems.append("line \(number + 1) has \(line.utf8.count) octets, more than \(preferredLength)")
            }
            if !encodedWords(in: line).isEmpty && line.utf8.count > longestEncodedWordLine {
                problems.append("line \(number + 1) has an encoded-word and \(line.utf8.count) characters, more than \(longestEncodedWordLine)")
            }
            if number > 0 {
                if !(line.hasPrefix(" ") || line.hasPrefix("\t")) { problems.append("line \(number + 1) does not start with whitespace") }
                if line.allSatisfy({ $0 == " " || $0 == "\t" }) { problems.append("line \(number + 1) is only whitespace") }
            }
        }
        for word in encodedWords(in: field) where word.count > 75 {
            problems.append("encoded-word of \(word.count) characters: \(word)")
        }
        return problems
    }

    /// The lines without their CRLF.
    static func lines(of field: String) -> [String] {
        var lines = field.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    static func encodedWords(in text: String) -> [String] {
        text.matches(of: #/=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=/#).map { String($0.output) }
    }

    /// RFC 5322 unfolding: the value after "Name:" with CRLFs removed and leading whitespace dropped.
    static func unfoldedValue(of field: String) -> String {
        let unfolded = field.replacingOccurrences(of: "\r\n", with: "")
        guard let colon = unfolded.firstIndex(of: ":") else { return unfolded }
        return String(unfolded[unfolded.index(after: colon)...].drop(while: { $0 == " " || $0 == "\t" }))
    }
}
