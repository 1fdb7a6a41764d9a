/// Why an address (or a domain) was rejected; carried by `MessageError.invalidAddress` and
/// `.invalidDomain` together with the offset of the offending character.
///
/// The descriptions say what to do, not only what is wrong, because the reader is usually an
/// operator fixing a recipient list.
public enum AddressProblem: Hashable, Sendable, CustomStringConvertible {
    case empty
    case missingAt
    case emptyLocalPart
    case emptyDomain
    /// A character that the grammar of that part does not allow (RFC 5322 3.2.3 atext, RFC 5321
    /// 4.1.2 Let-dig / Ldh-str for domains, dtext for address literals).
    case unexpectedCharacter(Unicode.Scalar, in: AddressPart)
    /// CR, LF, TAB, DEL or any other C0/C1 control character anywhere in the input.
    case controlCharacter(Unicode.Scalar)
    case leadingDot(in: AddressPart)
    case trailingDot(in: AddressPart)
    case consecutiveDots(in: AddressPart)
    case unterminatedQuotedString
    /// A quoted local part followed by more text before the '@' (`"john".smith@...`, obsolete syntax).
    case textAfterQuotedLocalPart(Unicode.Scalar)
    /// RFC 5322 comments `(...)` are legal but never needed in a campaign; refusing them keeps
    /// the parser small and the meaning of an address unambiguous.
    case commentNotSupported
    case missingClosingAngleBracket
    case unexpectedTextAfterAddress(Unicode.Scalar)
    /// RFC 5321 4.5.3.1.1: 64 octets, counted on the form sent in MAIL FROM/RCPT TO.
    case localPartTooLong(octets: Int)
    /// RFC 5321 4.5.3.1.2: 255 octets, counted on the ASCII (A-label) form.
    case domainTooLong(octets: Int)
    /// RFC 5321 4.5.3.1.3: 256 octets including the angle brackets.
    case pathTooLong(octets: Int)
    /// RFC 1035 2.3.4: 63 octets per label, counted on the A-label for internationalized labels.
    case labelTooLong(label: String, octets: Int)
    case labelStartsOrEndsWithHyphen(label: String)
    /// RFC 5891 4.2.3.1: a U-label must not have "--" in the third and fourth positions.
    case hyphensInThirdAndFourthPosition(label: String)
    /// RFC 3696 section 2: a top-level domain is never all-numeric, so `user@192.0.2.1` is a
    /// mistyped address literal.
    case numericTopLevelDomain(String)
    /// An "xn--" label that is not valid Punycode or does not round-trip.
    case invalidALabel(String)
    /// A non-ASCII character that is not a letter, mark or digit (spaces, symbols, emoji), which
    /// IDNA2008 never allows in a domain.
    case disallowedInInternationalDomain(Unicode.Scalar)
    case unterminatedAddressLiteral
    case invalidIPv4Literal(String)
    case invalidIPv6Literal(String)
    /// RFC 5321 4.1.3 General-address-literal with a tag other than IPv6, which nobody registered.
    case unknownAddressLiteralTag(String)

    /// Whether the offset points at something meaningful (not for whole-value problems).
    var hasPosition: Bool {
        switch self {
        case .empty, .pathTooLong, .domainTooLong: return false
        default: return true
        }
    }

    public var description: String {
        switch self {
        case .empty:
            return "the address is empty"
        case .missingAt:
            return "no '@' between the local part and the domain"
        case .emptyLocalPart:
            return "nothing before the '@'"
        case .emptyDomain:
            return "nothing after the '@'"
        case .unexpectedCharacter(let scalar, let part):
            return "\(MessageError.scalar(scalar)) is not allowed in \(part.withArticle)\(Self.hint(scalar, part))"
        case .controlCharacter(let scalar):
            return "control character \(MessageError.scalar(scalar)) is not allowed anywhere in an address"
        case .leadingDot(let part):
            return "\(part.withArticle) cannot start with '.'"
        case .trailingDot(let part):
            return "\(part.withArticle) cannot end with '.'"
        case .consecutiveDots(let part):
            return "two dots in a row in \(part.withArticle)"
        case .unterminatedQuotedString:
            return "a quoted string is not closed with '\"'"
        case .textAfterQuotedLocalPart(let scalar):
            return "\(MessageError.scalar(scalar)) after a quoted local part; quote the whole local part, e.g. \"john.smith\"@example.com"
        case .commentNotSupported:
            return "comments in parentheses are not supported; remove them"
        case .missingClosingAngleBracket:
            return "'<' is not closed with '>'"
        case .unexpectedTextAfterAddress(let scalar):
            return "unexpected \(MessageError.scalar(scalar)) after the address; one address per value"
        case .localPartTooLong(let octets):
            return "the local part is \(octets) octets long, more than the 64 SMTP allows (RFC 5321 4.5.3.1.1)"
        case .domainTooLong(let octets):
            return "the domain is \(octets) octets long in ASCII form, more than the 255 SMTP allows (RFC 5321 4.5.3.1.2)"
        case .pathTooLong(let octets):
            return "the address is \(octets) octets long with its angle brackets, more than the 256 SMTP allows (RFC 5321 4.5.3.1.3)"
        case .labelTooLong(let label, let octets):
            return "domain label \(MessageError.quoted(label)) is \(octets) octets long in ASCII form, more than 63"
        case .labelStartsOrEndsWithHyphen(let label):
            return "domain label \(MessageError.quoted(label)) starts or ends with '-'"
        case .hyphensInThirdAndFourthPosition(let label):
            return "internationalized label \(MessageError.quoted(label)) has \"--\" in the third and fourth positions (RFC 5891 4.2.3.1)"
        case .numericTopLevelDomain(let label):
            return "the top-level domain \(MessageError.quoted(label)) is all digits; an IP address must be written in brackets, e.g. user@[192.0.2.1]"
        case .invalidALabel(let label):
            return "\(MessageError.quoted(label)) starts with \"xn--\" but is not valid Punycode for a non-ASCII label"
        case .disallowedInInternationalDomain(let scalar):
            return "\(MessageError.scalar(scalar)) is not a letter, mark or digit and cannot be part of a domain"
        case .unterminatedAddressLiteral:
            return "an address literal '[' is not closed with ']'"
        case .invalidIPv4Literal(let text):
            return "\(MessageError.quoted(text)) is not an IPv4 address (four numbers 0-255 separated by dots)"
        case .invalidIPv6Literal(let text):
            return "\(MessageError.quoted(text)) is not an IPv6 address (RFC 5321 4.1.3)"
        case .unknownAddressLiteralTag(let tag):
            return "unknown address literal tag \(MessageError.quoted(tag)); only [IPv6:...] and IPv4 literals like [192.0.2.1] exist"
        }
    }

    private static func hint(_ scalar: Unicode.Scalar, _ part: AddressPart) -> String {
        switch (part, scalar) {
        case (.displayName, _):
            return "; put the display name in double quotes, e.g. \"Smith, John\" <john@example.com>"
        case (.localPart, " "), (.localPart, "\""), (.localPart, ","), (.localPart, "("), (.localPart, ")"),
             (.localPart, "["), (.localPart, "]"), (.localPart, ":"), (.localPart, ";"), (.localPart, "\\"):
            return "; such a local part must be quoted entirely, e.g. \"john smith\"@example.com"
        case (.localPart, "<"), (.localPart, ">"):
            return "; write a display name as Name <user@example.com>"
        case (.domain, "_"):
            return "; host names use letters, digits and '-' only (RFC 5321 4.1.2)"
        case (.domain, "@"):
            return "; an address has exactly one '@' outside quotes"
        default:
            return ""
        }
    }
}

/// The part of an address a problem was found in.
public enum AddressPart: String, Hashable, Sendable {
    case displayName = "display name"
    case localPart = "local part"
    case domain
    case addressLiteral = "address literal"

    var withArticle: String {
        switch self {
        case .addressLiteral: return "an address literal"
        default: return "the \(rawValue)"
        }
    }
}
