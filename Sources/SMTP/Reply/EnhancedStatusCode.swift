/// An RFC 3463 enhanced status code (`class.subject.detail`, e.g. `5.7.8`).
///
/// Kept apart from the basic code because providers put their most precise meaning here
/// (Gmail's 5.4.5 daily quota, Microsoft's 5.7.139 disabled SMTP AUTH), and classification
/// rules key on it.
public struct EnhancedStatusCode: Hashable, Sendable, CustomStringConvertible {
    /// 2 success, 4 persistent transient failure, 5 permanent failure.
    public let statusClass: Int
    public let subject: Int
    public let detail: Int

    public init(statusClass: Int, subject: Int, detail: Int) {
        self.statusClass = statusClass
        self.subject = subject
        self.detail = detail
    }

    /// Parses `class.subject.detail` at the start of `text`, as RFC 3463 section 2 writes it:
    /// class 2, 4 or 5, subject up to 3 digits, detail up to 3 digits. Returns the code and the
    /// rest of the text after the separating space.
    static func parse(prefixOf text: Substring) -> (code: EnhancedStatusCode, rest: Substring)? {
        // Walks the UTF-8 view in place: every reply of a bulk send comes through here.
        let utf8 = text.utf8
        var index = utf8.startIndex
        func take(_ expected: UInt8) -> Bool {
            guard index < utf8.endIndex, utf8[index] == expected else { return false }
            utf8.formIndex(after: &index)
            return true
        }
        func number(maxDigits: Int) -> Int? {
            var value = 0
            var digits = 0
            while index < utf8.endIndex, digits < maxDigits, case let byte = utf8[index], byte >= 0x30, byte <= 0x39 {
                value = value * 10 + Int(byte - 0x30)
                digits += 1
                utf8.formIndex(after: &index)
            }
            return digits > 0 ? value : nil
        }
        guard let first = utf8.first, first == UInt8(ascii: "2") || first == UInt8(ascii: "4") || first == UInt8(ascii: "5") else { return nil }
        utf8.formIndex(after: &index)
        guard take(UInt8(ascii: ".")), let subject = number(maxDigits: 3), take(UInt8(ascii: ".")),
              let detail = number(maxDigits: 3) else { return nil }
        // The code must end the text or be followed by a space.
        if index < utf8.endIndex {
            guard take(UInt8(ascii: " ")) else { return nil }
        }
        let code = EnhancedStatusCode(statusClass: Int(first - 0x30), subject: subject, detail: detail)
        return (code, Substring(utf8[index...]))
    }

    public init?(_ string: String) {
        guard let (code, rest) = Self.parse(prefixOf: Substring(string)), rest.isEmpty else { return nil }
        self = code
    }

    public var description: String { "\(statusClass).\(subject).\(detail)" }
}
