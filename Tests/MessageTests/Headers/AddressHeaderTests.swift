import Message
import Testing

/// Address fields: display names as atoms, quoted strings or encoded-words; the addr-spec as is.
struct AddressHeaderTests {
    let encoder = HeaderEncoder()

    struct Exact: Sendable, CustomTestStringConvertible {
        var addresses: [String]
        var field: String
        var testDescription: String { addresses.joined(separator: " | ") }
    }

    static let exact: [Exact] = [
        Exact(addresses: ["John Doe <jdoe@machine.example>"], field: "To: John Doe <jdoe@machine.example>\r\n"),
        Exact(addresses: ["\"Smith, John\" <john@example.com>"], field: "To: \"Smith, John\" <john@example.com>\r\n"),
        Exact(addresses: ["\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>"],
              field: "To: \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>\r\n"),
        // The obsolete unquoted dot is accepted on input and quoted on output.
        Exact(addresses: ["John Q. Public <jqp@example.com>"], field: "To: \"John Q. Public\" <jqp@example.com>\r\n"),
        Exact(addresses: ["\"Two  spaces\" <two@example.com>"], field: "To: \"Two  spaces\" <two@example.com>\r\n"),
        Exact(addresses: ["Jörg Müller <joerg@example.de>"], field: "To: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.de>\r\n"),
        // The comma is inside the encoded-word, where it cannot separate addresses.
        Exact(addresses: ["\"Müller, Jörg\" <joerg@example.de>"], field: "To: =?UTF-8?B?TcO8bGxlciwgSsO2cmc=?= <joerg@example.de>\r\n"),
        Exact(addresses: ["山田太郎 <taro@example.jp>"], field: "To: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <taro@example.jp>\r\n"),
        Exact(addresses: ["jdoe@example.org"], field: "To: jdoe@example.org\r\n"),
        Exact(addresses: ["\"Fred Bloggs\"@example.com"], field: "To: \"Fred Bloggs\"@example.com\r\n"),
        Exact(addresses: ["Info <info@münchen.de>"], field: "To: Info <info@xn--mnchen-3ya.de>\r\n"),
        Exact(addresses: ["user@[IPv6:2001:db8::1]"], field: "To: user@[IPv6:2001:db8::1]\r\n"),
        Exact(addresses: ["a@example.com", "B <b@example.com>", "\"C, D\" <cd@example.com>"],
              field: "To: a@example.com, B <b@example.com>, \"C, D\" <cd@example.com>\r\n"),
        // SMTPUTF8 (RFC 6532): the addr-spec stays UTF-8, never encoded.
        Exact(addresses: ["用户@例子.广告"], field: "To: 用户@xn--fsqu00a.xn--4rr70v\r\n"),
    ]

    @Test(arguments: exact)
    func exactOutput(_ testCase: Exact) throws {
        let addresses = try testCase.addresses.map { try EmailAddress($0) }
        #expect(try encoder.encode(name: "To", addresses: addresses) == testCase.field)
    }

    @Test func displayNameThatLooksEncodedIsEncoded() throws {
        let address = try EmailAddress(addrSpec: "fake@example.com", displayName: "=?UTF-8?Q?fake?=")
        #expect(try encoder.encode(name: "From", addresses: [address]) == "From: =?UTF-8?B?PT9VVEYtOD9RP2Zha2U/PQ==?= <fake@example.com>\r\n")
    }

    @Test func manyAddressesFoldBetweenMailboxes() throws {
        let addresses = try (1...25).map { try EmailAddress(addrSpec: "member\($0)@lists.example.org", displayName: "Member \($0)") }
        let field = try encoder.encode(name: "Cc", addresses: addresses)
        #expect(HeaderWireChecks.problems(in: field, preferredLength: 78) == [])
        for address in addresses { #expect(field.contains("<\(address.smtpPath)>")) }
        #expect(HeaderWireChecks.unfoldedValue(of: field).components(separatedBy: ", ").count == 25)
    }

    @Test func longNonASCIIDisplayNameBecomesSeveralEncodedWords() throws {
        let name = String(repeating: "Ærøskøbing Æbleskiver, ", count: 8) + "日本語"
        let field = try encoder.encode(name: "From", addresses: [try EmailAddress(addrSpec: "sender@example.dk", displayName: name)])
        #expect(HeaderWireChecks.problems(in: field, preferredLength: 78) == [])
        #expect(HeaderWireChecks.encodedWords(in: field).count > 2)
        #expect(field.hasSuffix(" <sender@example.dk>\r\n"))
        let value = HeaderWireChecks.unfoldedValue(of: field)
        let encodedPart = String(value.dropLast(" <sender@example.dk>".count))
        #expect(try EncodedWordDecoder.decode(encodedPart) == name)
    }

    @Test func emptyListIsRefused() {
        #expect(throws: MessageError.emptyAddressList(field: "To")) { _ = try encoder.encode(name: "To", addresses: []) }
    }
}
