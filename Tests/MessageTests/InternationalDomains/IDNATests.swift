import Message
import Testing

/// Whole domains to A-labels and back (the label rules themselves are in the address tables).
struct IDNATests {
    struct Case: Sendable, CustomTestStringConvertible {
        var unicode: String
        var ascii: String
        var testDescription: String { unicode }
    }

    static let cases: [Case] = [
        Case(unicode: "münchen.de", ascii: "xn--mnchen-3ya.de"),
        Case(unicode: "bücher.example", ascii: "xn--bcher-kva.example"),
        Case(unicode: "例子.广告", ascii: "xn--fsqu00a.xn--4rr70v"),
        Case(unicode: "пример.испытание", ascii: "xn--e1afmkfd.xn--80akhbyknj4f"),
        Case(unicode: "ドメイン.テスト", ascii: "xn--eckwd4c7c.xn--zckzah"),
        Case(unicode: "παράδειγμα.δοκιμή", ascii: "xn--hxajbheg2az3al.xn--jxalpdlp"),
        Case(unicode: "faß.de", ascii: "xn--fa-hia.de"),
        Case(unicode: "mail.example.com", ascii: "mail.example.com"),
    ]

    @Test(arguments: cases)
    func toASCIIAndBack(_ testCase: Case) throws {
        #expect(try IDNA.toASCII(testCase.unicode) == testCase.ascii)
        #expect(IDNA.toUnicode(testCase.ascii) == testCase.unicode)
    }

    struct Mapping: Sendable, CustomTestStringConvertible {
        var input: String
        var ascii: String
        var testDescription: String { input }
    }

    /// The small part of UTS #46 that is done: case, NFC and the ideographic full stops.
    static let mappings: [Mapping] = [
        Mapping(input: "MÜNCHEN.de", ascii: "xn--mnchen-3ya.de"),
        Mapping(input: "mu\u{308}nchen.de", ascii: "xn--mnchen-3ya.de"),
        Mapping(input: "例子。广告", ascii: "xn--fsqu00a.xn--4rr70v"),
        Mapping(input: "例子．广告", ascii: "xn--fsqu00a.xn--4rr70v"),
        Mapping(input: "例子｡广告", ascii: "xn--fsqu00a.xn--4rr70v"),
        Mapping(input: "Mail.Example.COM", ascii: "Mail.Example.COM"),
    ]

    @Test(arguments: mappings)
    func mapsBeforeEncoding(_ mapping: Mapping) throws {
        #expect(try IDNA.toASCII(mapping.input) == mapping.ascii)
    }

    @Test func refusesAddressLiteralsAndReportsThePlace() {
        #expect(throws: MessageError.invalidDomain("[192.0.2.1]", problem: .unexpectedCharacter("[", in: .domain), offset: 0)) {
            _ = try IDNA.toASCII("[192.0.2.1]")
        }
        #expect(throws: MessageError.invalidDomain("a.b_c.de", problem: .unexpectedCharacter("_", in: .domain), offset: 3)) {
            _ = try IDNA.toASCII("a.b_c.de")
        }
    }

    @Test func emailDomainOnItsOwn() throws {
        #expect(try EmailDomain("[IPv6:2001:db8::1]") == .ipv6("2001:db8::1"))
        #expect(try EmailDomain("bücher.example").smtpForm == "xn--bcher-kva.example")
        #expect(try EmailDomain("Bücher.Example").normalizedForm == "xn--bcher-kva.example")
        #expect(throws: MessageError.invalidDomain("example.com\r\n", problem: .controlCharacter("\r"), offset: 11)) {
            _ = try EmailDomain("example.com\r\n")
        }
    }

    @Test func toUnicodeLeavesWhatDoesNotDecode() {
        #expect(IDNA.toUnicode("xn--zz.example") == "xn--zz.example")
        #expect(IDNA.toUnicode("XN--MNCHEN-3YA.de") == "münchen.de")
    }
}
