import Message
import Testing

/// Addresses that must be refused, each with the reason and the character it was found at, so an
/// operator reading the error can find the mistake in a recipient list.
struct EmailAddressInvalidTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var input: String
        var problem: AddressProblem
        var offset: Int
        var testDescription: String { String(reflecting: input) }
    }

    static let label63 = String(repeating: "d", count: 63)

    static let cases: [Case] = [
        Case(input: "", problem: .empty, offset: 0),
        Case(input: "   ", problem: .empty, offset: 0),
        Case(input: "<>", problem: .empty, offset: 1),
        Case(input: "john.example.com", problem: .missingAt, offset: 16),
        Case(input: "John <john>", problem: .missingAt, offset: 10),
        Case(input: "\"john\"", problem: .missingAt, offset: 6),
        Case(input: "@example.com", problem: .emptyLocalPart, offset: 0),
        Case(input: "\"\"@example.com", problem: .emptyLocalPart, offset: 0),
        Case(input: "<@hosta.int,@jkl.org:userc@d.bar.org>", problem: .emptyLocalPart, offset: 1),
        Case(input: "john@", problem: .emptyDomain, offset: 5),
        Case(input: "John <john@>", problem: .emptyDomain, offset: 11),
        // Dot-atom rules (RFC 5322 3.2.3) in the local part and the domain.
        Case(input: "john..smith@example.com", problem: .consecutiveDots(in: .localPart), offset: 5),
        Case(input: ".john@example.com", problem: .leadingDot(in: .localPart), offset: 0),
        Case(input: "john.@example.com", problem: .trailingDot(in: .localPart), offset: 4),
        Case(input: "john@example..com", problem: .consecutiveDots(in: .domain), offset: 13),
        Case(input: "john@.example.com", problem: .leadingDot(in: .domain), offset: 5),
        Case(input: "john@example.com.", problem: .trailingDot(in: .domain), offset: 16),
        // Characters that need quoting, or are never allowed unquoted (RFC 3696 errata 246).
        Case(input: "john smith@example.com", problem: .unexpectedCharacter(" ", in: .localPart), offset: 4),
        Case(input: "Abc\\@def@example.com", problem: .unexpectedCharacter("\\", in: .localPart), offset: 3),
        Case(input: "Fred\\ Bloggs@example.com", problem: .unexpectedCharacter("\\", in: .localPart), offset: 4),
        Case(input: "a\"b(c)d,e:f;g<h>i[j\\k]l@example.com", problem: .unexpectedCharacter("\"", in: .localPart), offset: 1),
        Case(input: "a@b@example.com", problem: .unexpectedCharacter("@", in: .domain), offset: 3),
        Case(input: "jo\u{200B}hn@example.com", problem: .unexpectedCharacter("\u{200B}", in: .localPart), offset: 2),
        Case(input: "\"john\".smith@example.com", problem: .textAfterQuotedLocalPart("."), offset: 6),
        Case(input: "\"unterminated@example.com", problem: .unterminatedQuotedString, offset: 0),
        Case(input: "\"ends with backslash\\", problem: .unterminatedQuotedString, offset: 0),
        // Display names.
        Case(input: "Smith, John <john@example.com>", problem: .unexpectedCharacter(",", in: .displayName), offset: 5),
        Case(input: "john@example.com <john@example.com>", problem: .unexpectedCharacter("@", in: .displayName), offset: 4),
        Case(input: "\"Smith, John <john@example.com>", problem: .unterminatedQuotedString, offset: 0),
        Case(input: "Pete(A nice \\) chap) <pete@silly.test>", problem: .commentNotSupported, offset: 4),
        Case(input: "John <john@example.com", problem: .missingClosingAngleBracket, offset: 5),
        Case(input: "John <john@example.com> extra", problem: .unexpectedTextAfterAddress("e"), offset: 24),
        Case(input: "John <john@example.com>, Jane <jane@example.com>", problem: .unexpectedTextAfterAddress(","), offset: 23),
        Case(input: "John < john@example.com>", problem: .unexpectedCharacter(" ", in: .localPart), offset: 6),
        // Domains (RFC 5321 4.1.2, RFC 1035, RFC 3696 section 2).
        Case(input: "john@exa_mple.com", problem: .unexpectedCharacter("_", in: .domain), offset: 8),
        Case(input: "john@exam ple.com", problem: .unexpectedCharacter(" ", in: .domain), offset: 9),
        Case(input: "john@-example.com", problem: .labelStartsOrEndsWithHyphen(label: "-example"), offset: 5),
        Case(input: "john@example-.com", problem: .labelStartsOrEndsWithHyphen(label: "example-"), offset: 5),
        Case(input: "john@192.0.2.1", problem: .numericTopLevelDomain("1"), offset: 13),
        Case(input: "john@example.123", problem: .numericTopLevelDomain("123"), offset: 13),
        Case(input: "john@\(label63)d.example", problem: .labelTooLong(label: label63 + "d", octets: 64), offset: 5),
        // Address literals (RFC 5321 4.1.3).
        Case(input: "john@[192.0.2.256]", problem: .invalidIPv4Literal("192.0.2.256"), offset: 6),
        Case(input: "john@[192.0.2]", problem: .invalidIPv4Literal("192.0.2"), offset: 6),
        Case(input: "john@[]", problem: .invalidIPv4Literal(""), offset: 6),
        Case(input: "john@[IPv6:2001:db8::1::2]", problem: .invalidIPv6Literal("IPv6:2001:db8::1::2"), offset: 6),
        Case(input: "john@[IPv6:1:2:3:4:5:6:7]", problem: .invalidIPv6Literal("IPv6:1:2:3:4:5:6:7"), offset: 6),
        Case(input: "john@[IPv6:1:2:3:4:5:6:7::]", problem: .invalidIPv6Literal("IPv6:1:2:3:4:5:6:7::"), offset: 6),
        Case(input: "john@[IPv6:12345::1]", problem: .invalidIPv6Literal("IPv6:12345::1"), offset: 6),
        Case(input: "john@[IPv6:1:2:3:4:5::192.0.2.1]", problem: .invalidIPv6Literal("IPv6:1:2:3:4:5::192.0.2.1"), offset: 6),
        Case(input: "john@[IPv6:g::1]", problem: .invalidIPv6Literal("IPv6:g::1"), offset: 6),
        Case(input: "john@[x400:c=us]", problem: .unknownAddressLiteralTag("x400"), offset: 6),
        Case(input: "john@[192.0.2.1", problem: .unterminatedAddressLiteral, offset: 5),
        Case(input: "john@[192.0.2.1]x", problem: .unexpectedCharacter("x", in: .domain), offset: 16),
        Case(input: "john@[192.0.2.1 ]", problem: .unexpectedCharacter(" ", in: .addressLiteral), offset: 15),
        // Internationalized domains.
        Case(input: "john@☃.net", problem: .disallowedInInternationalDomain("☃"), offset: 5),
        Case(input: "john@ab--ü.example", problem: .hyphensInThirdAndFourthPosition(label: "ab--ü"), offset: 5),
        Case(input: "john@ü-.example", problem: .labelStartsOrEndsWithHyphen(label: "ü-"), offset: 5),
        Case(input: "john@\u{301}example.com", problem: .disallowedInInternationalDomain("\u{301}"), offset: 5),
        Case(input: "john@xn--a.example", problem: .invalidALabel("xn--a"), offset: 5),
        Case(input: "john@xn--.example", problem: .labelStartsOrEndsWithHyphen(label: "xn--"), offset: 5),
        Case(input: "john@xn--zz.example", problem: .invalidALabel("xn--zz"), offset: 5),
        Case(input: "john@xn--ab-.example", problem: .labelStartsOrEndsWithHyphen(label: "xn--ab-"), offset: 5),
        // Control characters anywhere, first one reported.
        Case(input: "john\r\n@example.com", problem: .controlCharacter("\r"), offset: 4),
        Case(input: "john@example.com\r\nRCPT TO:<victim@example.com>", problem: .controlCharacter("\r"), offset: 16),
        Case(input: "\"Eve\nBcc: victim@example.com\" <eve@example.com>", problem: .controlCharacter("\n"), offset: 4),
        Case(input: "john\t@example.com", problem: .controlCharacter("\t"), offset: 4),
        Case(input: "jo\u{0}hn@example.com", problem: .controlCharacter("\u{0}"), offset: 2),
        Case(input: "jo\u{85}hn@example.com", problem: .controlCharacter("\u{85}"), offset: 2),
        Case(input: "jo\u{7F}hn@example.com", problem: .controlCharacter("\u{7F}"), offset: 2),
    ]

    @Test(arguments: cases)
    func isRefusedWithReasonAndPlace(_ testCase: Case) {
        #expect(throws: MessageError.invalidAddress(testCase.input, problem: testCase.problem, offset: testCase.offset)) {
            _ = try EmailAddress(testCase.input)
        }
    }

    struct LengthCase: Sendable, CustomTestStringConvertible {
        var input: String
        var problem: AddressProblem
        var testDescription: String { "\(problem)" }
    }

    static let lengthCases: [LengthCase] = [
        // RFC 5321 4.5.3.1.1: 64 octets of local part, counted as sent (quotes included).
        LengthCase(input: String(repeating: "a", count: 65) + "@example.com", problem: .localPartTooLong(octets: 65)),
        LengthCase(input: "\"" + String(repeating: "a b", count: 21) + "\"@example.com", problem: .localPartTooLong(octets: 65)),
        LengthCase(input: String(repeating: "ü", count: 33) + "@example.com", problem: .localPartTooLong(octets: 66)),
        // 4.5.3.1.2: 255 octets of domain.
        LengthCase(input: "a@" + Array(repeating: label63, count: 4).joined(separator: ".") + ".com",
                   problem: .domainTooLong(octets: 259)),
        // 4.5.3.1.3: 256 octets of path, angle brackets included.
        LengthCase(input: String(repeating: "a", count: 64) + "@" + Array(repeating: label63, count: 3).joined(separator: ".") + ".com",
                   problem: .pathTooLong(octets: 262)),
        // The 63-octet label limit applies to the A-label: 57 octets of UTF-8, 65 as an A-label.
        LengthCase(input: "a@一泯诞岭箜骋歚詉嬘稇飶槅袴妃硲靡栰蜟埮.example",
                   problem: .labelTooLong(label: "一泯诞岭箜骋歚詉嬘稇飶槅袴妃硲靡栰蜟埮", octets: 65)),
    ]

    @Test(arguments: lengthCases)
    func limitsOfRFC5321(_ testCase: LengthCase) {
        do {
            _ = try EmailAddress(testCase.input)
            Issue.record("\(testCase.input) was accepted")
        } catch {
            guard case .invalidAddress(_, let problem, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(problem == testCase.problem)
        }
    }

    @Test func addrSpecInitializerRefusesMailboxSyntaxAndControlsInDisplayNames() {
        #expect(throws: MessageError.invalidAddress("John <john@example.com>", problem: .unexpectedCharacter(" ", in: .localPart), offset: 4)) {
            _ = try EmailAddress(addrSpec: "John <john@example.com>")
        }
        #expect(throws: MessageError.forbiddenCharacter("\r", offset: 3, field: "display name")) {
            _ = try EmailAddress(addrSpec: "eve@example.com", displayName: "Eve\r\nBcc: victim@example.com")
        }
    }

    struct DescriptionCase: Sendable, CustomTestStringConvertible {
        var input: String
        var description: String
        var testDescription: String { String(reflecting: input) }
    }

    static let descriptions: [DescriptionCase] = [
        DescriptionCase(input: "Smith, John <john@example.com>",
                        description: "invalid address \"Smith, John <john@example.com>\" at character 6: ',' (U+002C) is not allowed in the "
                            + "display name; put the display name in double quotes, e.g. \"Smith, John\" <john@example.com>"),
        DescriptionCase(input: "john..smith@example.com",
                        description: "invalid address \"john..smith@example.com\" at character 6: two dots in a row in the local part"),
        DescriptionCase(input: "john@example.com\r\nRCPT TO:<x@y.z>",
                        description: "invalid address \"john@example.com\\r\\nRCPT TO:<x@y.z>\" at character 17: control character U+000D "
                            + "is not allowed anywhere in an address"),
        DescriptionCase(input: "john@192.0.2.1",
                        description: "invalid address \"john@192.0.2.1\" at character 14: the top-level domain \"1\" is all digits; an IP "
                            + "address must be written in brackets, e.g. user@[192.0.2.1]"),
        DescriptionCase(input: "john.example.com",
                        description: "invalid address \"john.example.com\": no '@' between the local part and the domain"),
        DescriptionCase(input: "a@b.c\u{2028}",
                        description: "invalid address \"a@b.c\\u{2028}\" at character 6: U+2028 is not a letter, mark or digit and cannot "
                            + "be part of a domain"),
        DescriptionCase(input: String(repeating: "a", count: 65) + "@example.com",
                        description: "invalid address \"\(String(repeating: "a", count: 65))@example.com\" at character 1: the local part is "
                            + "65 octets long, more than the 64 SMTP allows (RFC 5321 4.5.3.1.1)"),
    ]

    /// Operators read these; they name the problem, the place and the fix, and never print a raw
    /// control character.
    @Test(arguments: descriptions)
    func descriptionsAreForOperators(_ testCase: DescriptionCase) {
        do {
            _ = try EmailAddress(testCase.input)
            Issue.record("accepted")
        } catch {
            #expect(error.description == testCase.description)
        }
    }
}
