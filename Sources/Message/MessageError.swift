/// Everything the Message module refuses, with enough context for an operator to fix the input.
///
/// Offsets count Unicode scalars from 0 in the value that was checked; descriptions show them
/// 1-based ("character 7") because that is how people count in an editor. Input text is shown
/// escaped (`String(reflecting:)`) and single characters as `U+000D`, so a hostile value cannot
/// forge log lines through the error message itself.
public enum MessageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An email address (mailbox or addr-spec) that does not parse or breaks an RFC 5321 limit.
    case invalidAddress(String, problem: AddressProblem, offset: Int)
    /// A domain checked on its own (not inside an address).
    case invalidDomain(String, problem: AddressProblem, offset: Int)
    /// Punycode (RFC 3492) that cannot be decoded, or a label too large to encode.
    case invalidPunycode(String, problem: PunycodeProblem)
    /// A header field name that is empty, too long, or has a character outside RFC 5322 ftext.
    /// `offset` is nil when the name is empty or longer than 76 characters.
    case invalidHeaderName(String, offset: Int?)
    /// A CR, LF or other control character in a value that goes into a header: refused, because
    /// it could start a new header line (header injection) or a new SMTP command.
    case forbiddenCharacter(Unicode.Scalar, offset: Int, field: String)
    /// A MIME token (content type, disposition, parameter name) with a character RFC 2045 does not
    /// allow. `offset` is nil when the token is empty or longer than 76 characters.
    case invalidToken(String, offset: Int?, field: String)
    /// An address header (To, From...) with no address in it.
    case emptyAddressList(field: String)

    public var description: String {
        switch self {
        case .invalidAddress(let input, let problem, let offset):
            return "invalid address \(Self.quoted(input))\(Self.position(offset, in: input, problem: problem)): \(problem)"
        case .invalidDomain(let input, let problem, let offset):
            return "invalid domain \(Self.quoted(input))\(Self.position(offset, in: input, problem: problem)): \(problem)"
        case .invalidPunycode(let input, let problem):
            return "invalid Punycode \(Self.quoted(input)): \(problem)"
        case .invalidHeaderName(let name, let offset):
            if let offset, let scalar = Array(name.unicodeScalars).dropFirst(offset).first {
                return "invalid header name \(Self.quoted(name)): \(Self.scalar(scalar)) at character \(offset + 1); "
                    + "a header name is printable ASCII without spaces or ':'"
            }
            return "invalid header name \(Self.quoted(name)): a header name is 1 to 76 printable ASCII characters without spaces or ':'"
        case .forbiddenCharacter(let scalar, let offset, let field):
            return "\(field): control character \(Self.scalar(scalar)) at character \(offset + 1) is not allowed; "
                + "CR, LF and other control characters could inject header lines, remove them from the input"
        case .invalidToken(let token, let offset, let field):
            if let offset, let scalar = Array(token.unicodeScalars).dropFirst(offset).first {
                return "\(field): invalid token \(Self.quoted(token)): \(Self.scalar(scalar)) at character \(offset + 1) "
                    + "is not allowed (RFC 2045 tokens are printable ASCII without spaces or ()<>@,;:\\\"/[]?=)"
            }
            return "\(field): invalid token \(Self.quoted(token)): a token is 1 to 76 printable ASCII characters"
        case .emptyAddressList(let field):
            return "\(field): at least one address is needed"
        }
    }

    /// The text in double quotes with every invisible or line-breaking character escaped
    /// (`\r`, `\n`, `\t`, `\u{2028}`...), and cut after 200 characters: a whole CSV line pasted
    /// by mistake would drown the message.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if index == 200 {
                result += "…"
                break
            }
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\r": result += "\\r"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where scalar.isMessageControl || !scalar.isVisibleNonASCII && !scalar.isASCII:
                result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    static func scalar(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        switch scalar.properties.generalCategory {
        case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .nonspacingMark, .enclosingMark,
             .spacingMark, .surrogate, .privateUse, .unassigned:
            // Invisible or combining: only the code point says what it is.
            return code
        default:
            break
        }
        return "'\(Character(scalar))' (\(code))"
    }

    /// Only a position that points at a character: "no '@'" at the end of the input says nothing.
    private static func position(_ offset: Int, in input: String, problem: AddressProblem) -> String {
        problem.hasPosition && offset < input.unicodeScalars.count ? " at character \(offset + 1)" : ""
    }
}
