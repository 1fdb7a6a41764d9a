@testable import Message
import Testing

/// The byte scanner is a shortcut for the general parser: whatever it accepts, the parser must
/// accept with exactly the same value, and whatever is unusual it must leave to the parser.
struct PlainAddressScannerTests {
    /// What the general parser makes of an addr-spec, without the scanner.
    static func parsed(_ text: String) -> (localPart: String, domain: EmailDomain, smtpLocalPart: String)? {
        guard let parsed = try? AddressParser.addrSpecOnly(Array(text.unicodeScalars)) else { return nil }
        let smtpLocalPart = EmailAddress.smtpLocalPart(for: parsed.localPart)
        guard smtpLocalPart.utf8.count <= 64, smtpLocalPart.utf8.count + 1 + parsed.domain.smtpForm.utf8.count + 2 <= 256 else {
            return nil
        }
        return (parsed.localPart, parsed.domain, smtpLocalPart)
    }

    static func expectAgreement(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let plain = PlainAddressScanner.scan(text) else { return }
        guard let reference = parsed(text) else {
            Issue.record("scanner accepted \(String(reflecting: text)), the parser refuses it", sourceLocation: sourceLocation)
            return
        }
        #expect(plain.localPart == reference.localPart, sourceLocation: sourceLocation)
        #expect(EmailDomain.name(plain.domain) == reference.domain, sourceLocation: sourceLocation)
        #expect(plain.localPart == reference.smtpLocalPart, sourceLocation: sourceLocation)
    }

    @Test(arguments: ["john@example.com", "John.Smith+tag@Mail.Example.COM", "a@b.c", "x!#$%&'*+-/=?^_`{|}~@a-b.example",
                      "user123@123.example.net", "u@host", "o'brien@example.ie"])
    func plainAddressesTakeTheShortcutWithTheParsersValue(text: String) throws {
        #expect(PlainAddressScanner.scan(text) != nil)
        Self.expectAgreement(text)
        let address = try EmailAddress(addrSpec: text)
        #expect(address.smtpPath == text)
    }

    @Test(arguments: ["\"john smith\"@example.com", "jöhn@example.com", "john@bücher.example", "john@xn--bcher-kva.example",
                      "john@[192.0.2.1]", "john@example.123", ".john@example.com", "john.@example.com", "jo..hn@example.com",
                      "john@-example.com", "john@example-.com", "john@example..com", "john@.example.com", "john@example.com.",
                      "john@", "@example.com", "john", "john@exa_mple.com", " john@example.com", "john@example.com ",
                      "john@ab--cd.example", "a@b@c", "john\u{0}@example.com",
                      String(repeating: "l", count: 65) + "@example.com",
                      "john@" + String(repeating: "d", count: 64) + ".example"])
    func anythingUnusualIsLeftToTheParser(text: String) {
        #expect(PlainAddressScanner.scan(text) == nil)
    }

    @Test func lengthLimitsMatchTheParser() {
        let label = String(repeating: "d", count: 63)
        let local64 = String(repeating: "l", count: 64)
        for domain in [label + "." + label + "." + label + "." + String(repeating: "e", count: 61),
                       label + "." + label + "." + label + "." + String(repeating: "e", count: 62),
                       label + "." + label + "." + label + "." + "ab"] {
            for local in [local64, "l", String(repeating: "l", count: 10)] {
                Self.expectAgreement(local + "@" + domain)
            }
        }
        // 64 + 1 + 189 + 2 = 256 octets: the longest path.
        let longest = local64 + "@" + label + "." + label + "." + String(repeating: "e", count: 61)
        #expect(PlainAddressScanner.scan(longest) != nil)
        #expect(PlainAddressScanner.scan(longest + "e") == nil)
    }

    /// Random strings over the characters that matter (atext, dots, '@', hyphens, digits, a few
    /// that are never allowed): the scanner and the parser never disagree on what they accept.
    @Test func randomStringsNeverMakeTheScannerDisagreeWithTheParser() {
        let alphabet = Array("ab.@-9xnXN_ +!\"[]é")
        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<200_000 {
            let length = Int.random(in: 1...14, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "a" })
            if PlainAddressScanner.scan(text) != nil { accepted += 1 }
            Self.expectAgreement(text)
        }
        #expect(accepted > 100, "the generator should produce some plain addresses")
    }
}
