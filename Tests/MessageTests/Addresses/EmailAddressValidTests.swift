import Message
import Testing

/// Addresses that must parse, from RFC 5322 appendix A, RFC 5321, RFC 3696 section 3 (with its
/// errata: the unquoted backslash forms there are invalid and are in the invalid table) and
/// RFC 6530/6531 for internationalized addresses.
struct EmailAddressValidTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var input: String
        var smtpPath: String
        var localPart: String
        var displayName: String? = nil
        var requiresSMTPUTF8 = false
        var testDescription: String { input }
    }

    static let cases: [Case] = [
        // RFC 5322 A.1.1 and A.1.2
        Case(input: "John Doe <jdoe@machine.example>", smtpPath: "jdoe@machine.example", localPart: "jdoe", displayName: "John Doe"),
        Case(input: "Mary Smith <mary@example.net>", smtpPath: "mary@example.net", localPart: "mary", displayName: "Mary Smith"),
        Case(input: "\"Joe Q. Public\" <john.q.public@example.com>", smtpPath: "john.q.public@example.com",
             localPart: "john.q.public", displayName: "Joe Q. Public"),
        Case(input: "jdoe@example.org", smtpPath: "jdoe@example.org", localPart: "jdoe"),
        Case(input: "Who? <one@y.test>", smtpPath: "one@y.test", localPart: "one", displayName: "Who?"),
        Case(input: "<boss@nil.test>", smtpPath: "boss@nil.test", localPart: "boss"),
        Case(input: "\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>", smtpPath: "sysservices@example.net",
             localPart: "sysservices", displayName: "Giant; \"Big\" Box"),
        // Display names with commas and quotes; the obsolete unquoted dot is accepted.
        Case(input: "\"Smith, John\" <john.smith@example.com>", smtpPath: "john.smith@example.com", localPart: "john.smith",
             displayName: "Smith, John"),
        Case(input: "John Q. Public <jqp@example.com>", smtpPath: "jqp@example.com", localPart: "jqp", displayName: "John Q. Public"),
        Case(input: "\"O'Brien, \\\"Pat\\\"\" <pat@example.ie>", smtpPath: "pat@example.ie", localPart: "pat",
             displayName: "O'Brien, \"Pat\""),
        Case(input: "\"\" <empty.name@example.com>", smtpPath: "empty.name@example.com", localPart: "empty.name"),
        Case(input: "\"Müller, Jörg\" <joerg@example.de>", smtpPath: "joerg@example.de", localPart: "joerg", displayName: "Müller, Jörg"),
        Case(input: "Jörg Müller <joerg@example.de>", smtpPath: "joerg@example.de", localPart: "joerg", displayName: "Jörg Müller"),
        Case(input: "  spaced@example.com  ", smtpPath: "spaced@example.com", localPart: "spaced"),
        // RFC 3696 section 3 (quoted forms per errata 246)
        Case(input: "\"Abc\\@def\"@example.com", smtpPath: "\"Abc@def\"@example.com", localPart: "Abc@def"),
        Case(input: "\"Fred Bloggs\"@example.com", smtpPath: "\"Fred Bloggs\"@example.com", localPart: "Fred Bloggs"),
        Case(input: "\"Joe\\\\Blow\"@example.com", smtpPath: "\"Joe\\\\Blow\"@example.com", localPart: "Joe\\Blow"),
        Case(input: "\"Abc@def\"@example.com", smtpPath: "\"Abc@def\"@example.com", localPart: "Abc@def"),
        Case(input: "customer/department=shipping@example.com", smtpPath: "customer/department=shipping@example.com",
             localPart: "customer/department=shipping"),
        Case(input: "$A12345@example.com", smtpPath: "$A12345@example.com", localPart: "$A12345"),
        Case(input: "!def!xyz%abc@example.com", smtpPath: "!def!xyz%abc@example.com", localPart: "!def!xyz%abc"),
        Case(input: "_somename@example.com", smtpPath: "_somename@example.com", localPart: "_somename"),
        // Quoted local parts: escapes resolved, canonical form chosen for SMTP.
        Case(input: "\"john\\\"smith\"@example.com", smtpPath: "\"john\\\"smith\"@example.com", localPart: "john\"smith"),
        Case(input: "\"john.smith\"@example.com", smtpPath: "john.smith@example.com", localPart: "john.smith"),
        Case(input: "\"\\j\\o\\h\\n\"@example.com", smtpPath: "john@example.com", localPart: "john"),
        Case(input: "\"very.unusual.@.unusual.com\"@example.com", smtpPath: "\"very.unusual.@.unusual.com\"@example.com",
             localPart: "very.unusual.@.unusual.com"),
        Case(input: "\"a<b>\"@example.com", smtpPath: "\"a<b>\"@example.com", localPart: "a<b>"),
        Case(input: "\"john..doe\"@example.com", smtpPath: "\"john..doe\"@example.com", localPart: "john..doe"),
        Case(input: "Name <\"quoted name\"@example.com>", smtpPath: "\"quoted name\"@example.com", localPart: "quoted name",
             displayName: "Name"),
        // Case is kept in the path; the domain only becomes lower-case in the normalized key.
        Case(input: "John.Smith@Example.COM", smtpPath: "John.Smith@Example.COM", localPart: "John.Smith"),
        // Address literals (RFC 5321 4.1.3)
        Case(input: "user@[192.0.2.1]", smtpPath: "user@[192.0.2.1]", localPart: "user"),
        Case(input: "user@[IPv6:2001:db8::1]", smtpPath: "user@[IPv6:2001:db8::1]", localPart: "user"),
        Case(input: "user@[ipv6:2001:DB8:0:0:0:0:0:1]", smtpPath: "user@[IPv6:2001:DB8:0:0:0:0:0:1]", localPart: "user"),
        Case(input: "user@[IPv6:::ffff:192.0.2.1]", smtpPath: "user@[IPv6:::ffff:192.0.2.1]", localPart: "user"),
        Case(input: "user@[IPv6:2001:db8:1:2:3:4:192.0.2.1]", smtpPath: "user@[IPv6:2001:db8:1:2:3:4:192.0.2.1]", localPart: "user"),
        Case(input: "user@[IPv6:::]", smtpPath: "user@[IPv6:::]", localPart: "user"),
        Case(input: "Server <postmaster@[IPv6:2001:db8::]>", smtpPath: "postmaster@[IPv6:2001:db8::]", localPart: "postmaster",
             displayName: "Server"),
        // Internationalized domains become A-labels; non-ASCII local parts need SMTPUTF8.
        Case(input: "info@münchen.de", smtpPath: "info@xn--mnchen-3ya.de", localPart: "info"),
        Case(input: "info@MÜNCHEN.de", smtpPath: "info@xn--mnchen-3ya.de", localPart: "info"),
        Case(input: "info@xn--mnchen-3ya.de", smtpPath: "info@xn--mnchen-3ya.de", localPart: "info"),
        Case(input: "shop@bücher.example", smtpPath: "shop@xn--bcher-kva.example", localPart: "shop"),
        Case(input: "user@例子。广告", smtpPath: "user@xn--fsqu00a.xn--4rr70v", localPart: "user"),
        Case(input: "用户@例子.广告", smtpPath: "用户@xn--fsqu00a.xn--4rr70v", localPart: "用户", requiresSMTPUTF8: true),
        Case(input: "jörg@example.de", smtpPath: "jörg@example.de", localPart: "jörg", requiresSMTPUTF8: true),
        Case(input: "\"jörg müller\"@example.de", smtpPath: "\"jörg müller\"@example.de", localPart: "jörg müller", requiresSMTPUTF8: true),
        // Limits: exactly at the maximum is fine.
        Case(input: String(repeating: "a", count: 64) + "@example.com", smtpPath: String(repeating: "a", count: 64) + "@example.com",
             localPart: String(repeating: "a", count: 64)),
        Case(input: "user@" + String(repeating: "d", count: 63) + ".example", smtpPath: "user@" + String(repeating: "d", count: 63) + ".example",
             localPart: "user"),
        Case(input: "a@b.c", smtpPath: "a@b.c", localPart: "a"),
        Case(input: "postmaster@localhost", smtpPath: "postmaster@localhost", localPart: "postmaster"),
        Case(input: "user@123.example", smtpPath: "user@123.example", localPart: "user"),
        Case(input: "user@a-b--c.example", smtpPath: "user@a-b--c.example", localPart: "user"),
    ]

    @Test(arguments: cases)
    func parses(_ testCase: Case) throws {
        let address = try EmailAddress(testCase.input)
        #expect(address.smtpPath == testCase.smtpPath)
        #expect(address.localPart == testCase.localPart)
        #expect(address.displayName == testCase.displayName)
        #expect(address.requiresSMTPUTF8 == testCase.requiresSMTPUTF8)
        // The canonical form parses to the same address.
        let again = try EmailAddress(addrSpec: address.smtpPath, displayName: address.displayName)
        #expect(again == address)
        #expect(again.smtpPath == address.smtpPath)
    }

    @Test func domainKinds() throws {
        #expect(try EmailAddress("user@[192.0.2.1]").domain == .ipv4("192.0.2.1"))
        #expect(try EmailAddress("user@[IPv6:2001:db8::1]").domain == .ipv6("2001:db8::1"))
        #expect(try EmailAddress("user@münchen.de").domain == .name("xn--mnchen-3ya.de"))
        #expect(try EmailAddress("user@münchen.de").domain.unicodeForm == "münchen.de")
        #expect(try EmailAddress("user@[192.0.2.1]").domain.isAddressLiteral)
    }

    @Test func separateDisplayName() throws {
        let address = try EmailAddress(addrSpec: "john@example.com", displayName: "  Smith, \"Johnny\" J.  ")
        #expect(address.displayName == "Smith, \"Johnny\" J.")
        #expect(address.description == "\"Smith, \\\"Johnny\\\" J.\" <john@example.com>")
        #expect(try EmailAddress(addrSpec: "john@example.com", displayName: "   ").displayName == nil)
        #expect(try EmailAddress(addrSpec: "john@example.com").description == "john@example.com")
        #expect(try address.withDisplayName("Jörg").description == "Jörg <john@example.com>")
    }
}
