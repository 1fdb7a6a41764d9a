/// A basic reply code as rules write it: `550`, `421`, `5xx`, `45x`.
///
/// An `x` matches any digit, so one rule can name a whole class of replies the way RFC 5321
/// section 4.2.1 groups them.
public struct ReplyCodePattern: Hashable, Sendable, CustomStringConvertible {
    /// Three positions, nil where the pattern has `x`.
    public let digits: [Int?]

    /// Parses `550`, `5xx`, `4x1`; nil for anything that is not three digits or `x`, or whose
    /// first digit cannot start an SMTP reply (2 to 5).
    public init?(_ text: String) {
        let characters = Array(text.lowercased())
        guard characters.count == 3 else { return nil }
        var digits: [Int?] = []
        for character in characters {
            if character == "x" {
                digits.append(nil)
            } else if character.isASCII, let value = character.wholeNumberValue {
                digits.append(value)
            } else {
                return nil
            }
        }
        if let first = digits[0], !(2...5).contains(first) { return nil }
        self.digits = digits
    }

    public func matches(_ code: Int) -> Bool {
        guard (0...999).contains(code) else { return false }
        let actual = [code / 100, code / 10 % 10, code % 10]
        return zip(digits, actual).allSatisfy { pattern, digit in pattern.map { $0 == digit } ?? true }
    }

    public var description: String { digits.map { $0.map(String.init) ?? "x" }.joined() }
}
