import Message
import Testing

/// Whatever the input, a header line stays within 998 octets (RFC 5322 2.1.1), a line holding
/// an encoded-word within 76 characters (RFC 2047 section 2), and the field decodes back to
/// exactly what was given. Checked with `HeaderWireChecks`, which does not trust the encoder.
struct HeaderLineLimitTests {
    let encoder = HeaderEncoder()
    static let addressFields = ["From", "To", "Reply-To"]

    /// The display name of a single-mailbox field, decoded from the wire.
    static func decodedDisplayName(of field: String, address: String) throws -> String {
        let value = HeaderWireChecks.unfoldedValue(of: field)
        let suffix = " <\(address)>"
        guard value.hasSuffix(suffix) else { throw EncodedWordDecoder.Failure(description: "no \(suffix) at the end of \(value.prefix(80))") }
        return try EncodedWordDecoder.decodePhrase(String(value.dropLast(suffix.count)))
    }

    /// The audit's case: a recipient named with one 1,000-letter word gave a 1,004-octet To: line.
    @Test(arguments: addressFields)
    func oneWordDisplayNameLongerThanALineIsEncoded(field name: String) throws {
        let displayName = String(repeating: "Abcdefghij", count: 100)
        let address = try EmailAddress(addrSpec: "long@example.com", displayName: displayName)
        let field = try encoder.encode(name: name, addresses: [address])
        #expect(HeaderWireChecks.problems(in: field, preferredLength: 78) == [])
        #expect(try Self.decodedDisplayName(of: field, address: "long@example.com") == displayName)
    }

    /// A quoted display name (it has specials) too long for one line is encoded too, so it can fold.
    @Test func longQuotedDisplayNameFolds() throws {
        let displayName = "Smith, " + String(repeating: "Johnathan ", count: 60) + "Jr."
        let address = try EmailAddress(addrSpec: "js@example.com", displayName: displayName)
        let field = try encoder.encode(name: "To", addresses: [address])
        #expect(HeaderWireChecks.problems(in: field, preferredLength: 78) == [])
        #expect(try Self.decodedDisplayName(of: field, address: "js@example.com") == displayName)
    }

    /// Lines with encoded-words were budgeted 78 like any line; RFC 2047 allows them 76.
    @Test func encodedWordLinesStayWithin76() throws {
        for length in 60...200 {
            let value = String(repeating: "ä", count: length)
            let subject = try encoder.encode(name: "Subject", value: value)
            #expect(HeaderWireChecks.problems(in: subject) == [], "subject of \(length)")
            let address = try EmailAddress(addrSpec: "x@example.com", displayName: "Zoë " + String(repeating: "b", count: length))
            let to = try encoder.encode(name: "To", addresses: [address])
            #expect(HeaderWireChecks.problems(in: to) == [], "display name of \(length)")
        }
    }

    /// A plain word after an encoded-word on the same line counts against the 76 as well.
    @Test func plainWordAfterEncodedWordKeepsTheLineWithin76() throws {
        for length in 1...40 {
            let value = String(repeating: "é", count: 20) + " " + String(repeating: "w", count: length) + " tail"
            let field = try encoder.encode(name: "Subject", value: value)
            #expect(HeaderWireChecks.problems(in: field) == [], "plain word of \(length)")
            #expect(try EncodedWordDecoder.decode(HeaderWireChecks.unfoldedValue(of: field)) == value)
        }
    }

    /// A header name so long that no encoded-word fits after it: the value starts on the next
    /// line (RFC 5322 allows folding right after the colon).
    @Test func longHeaderNameMovesEncodedValueToTheNextLine() throws {
        let name = String(repeating: "X", count: 76)
        let field = try encoder.encode(name: name, value: "Grüße")
        #expect(HeaderWireChecks.problems(in: field) == [])
        #expect(field.hasPrefix(name + ":\r\n =?UTF-8?"))
        #expect(try EncodedWordDecoder.decode(HeaderWireChecks.unfoldedValue(of: field)) == "Grüße")
    }

    /// Random display names: ASCII words up to 5,000 characters, specials, UTF-8, runs of spaces.
    /// 100 seeds each keep a debug run of the two tests near ten seconds.
    @Test(arguments: 0..<100)
    func randomDisplayNamesStayWithinLimitsAndRoundTrip(_ seed: Int) throws {
        let displayName = LongHeaderText.value(seed: UInt64(seed), allowsTab: false)
        let address = try EmailAddress(addrSpec: "someone@example.com", displayName: displayName)
        for name in Self.addressFields {
            let field = try encoder.encode(name: name, addresses: [address])
            #expect(HeaderWireChecks.problems(in: field) == [], "seed \(seed), \(name)")
            #expect(try Self.decodedDisplayName(of: field, address: "someone@example.com") == displayName, "seed \(seed), \(name)")
        }
    }

    @Test(arguments: 0..<100)
    func randomSubjectsStayWithinLimitsAndRoundTrip(_ seed: Int) throws {
        let value = LongHeaderText.value(seed: UInt64(seed) &+ 1_000_000, allowsTab: true)
        let field = try encoder.encode(name: "Subject", value: value)
        #expect(HeaderWireChecks.problems(in: field) == [], "seed \(seed)")
        #expect(try EncodedWordDecoder.decode(HeaderWireChecks.unfoldedValue(of: field)) == value, "seed \(seed)")
    }
}
