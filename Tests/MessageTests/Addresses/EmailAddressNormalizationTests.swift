import Message
import Testing

/// Duplicate detection: the domain is case-insensitive, the local part is not (RFC 5321 2.4), and
/// different spellings of the same address give the same key.
struct EmailAddressNormalizationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var first: String
        var second: String
        var same: Bool
        var testDescription: String { "\(first) \(same ? "==" : "!=") \(second)" }
    }

    static let cases: [Case] = [
        Case(first: "John.Smith@Example.COM", second: "John.Smith@example.com", same: true),
        Case(first: "John.Smith@example.com", second: "john.smith@example.com", same: false),
        Case(first: "\"john\"@example.com", second: "john@example.com", same: true),
        Case(first: "\"jo\\hn\"@example.com", second: "john@example.com", same: true),
        Case(first: "John <john@example.com>", second: "Johnny <john@EXAMPLE.com>", same: true),
        Case(first: "info@MÜNCHEN.de", second: "info@xn--mnchen-3ya.de", same: true),
        Case(first: "info@münchen.de", second: "info@XN--MNCHEN-3YA.DE", same: true),
        Case(first: "info@mu\u{308}nchen.de", second: "info@münchen.de", same: true),
        Case(first: "user@[192.0.2.010]", second: "user@[192.0.2.10]", same: true),
        Case(first: "user@[IPv6:2001:DB8::1]", second: "user@[ipv6:2001:db8::1]", same: true),
        Case(first: "user@[192.0.2.1]", second: "user@[192.0.2.2]", same: false),
    ]

    @Test(arguments: cases)
    func normalizedKey(_ testCase: Case) throws {
        let first = try EmailAddress(testCase.first)
        let second = try EmailAddress(testCase.second)
        #expect((first.normalizedKey == second.normalizedKey) == testCase.same)
    }

    @Test func keyKeepsLocalCaseAndLowersDomain() throws {
        #expect(try EmailAddress("John.Smith@Example.COM").normalizedKey == "John.Smith@example.com")
        #expect(try EmailAddress("\"John Smith\"@Example.COM").normalizedKey == "\"John Smith\"@example.com")
    }

    @Test func collapsingARecipientList() throws {
        let list = ["a@example.com", "A@example.com", "a@EXAMPLE.COM", "\"a\"@example.com", "b@example.com", "Name <a@Example.com>"]
        let keys = Set(try list.map { try EmailAddress($0).normalizedKey })
        #expect(keys == ["a@example.com", "A@example.com", "b@example.com"])
    }
}
