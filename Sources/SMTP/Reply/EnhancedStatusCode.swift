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
        let bytes = Array(text.utf8.prefix(12))
        guard bytes.count >= 5, let first = bytes.first, first == UInt8(ascii: "2") || first == UInt8(ascii: "4") || first == UInt8(ascii: "5"),
              bytes[1] == UInt8(ascii: ".") else { return nil }
        var index = 2
        func number(maxDigits: Int) -> Int? {
            var value = 0
            var digits = 0
            while index < bytes.count, digits < maxDigits, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                value = value * 10 + Int(bytes[index] - 0x30)
                digits += 1
                index += 1
            }
            return digits > 0 ? value : nil
        }
        guard let subject = number(maxDigits: 3), index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return nil }
        index += 1
        guard let detail = number(maxDigits: 3) else { return nil }
        // The code must end the text or be followed by a space.
        if index < bytes.count, bytes[index] != UInt8(ascii: " ") { return nil }
        let restStart = text.utf8.index(text.utf8.startIndex, offsetBy: min(index + 1, text.utf8.count))
        let code = EnhancedStatusCode(statusClass: Int(first - 0x30), subject: subject, detail: detail)
        return (code, Substring(text.utf8[restStart...]))
    }

    public init?(_ string: String) {
        guard let (code, rest) = Self.parse(prefixOf: Substring(string)), rest.isEmpty else { return nil }
        self = code
    }

    public var description: String { "\(statusClass).\(subject).\(detail)" }
}
