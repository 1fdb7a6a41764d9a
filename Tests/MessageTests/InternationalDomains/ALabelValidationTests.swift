import Foundation
@testable import Message
import Testing

/// `IDNA.isValidALabel` on its own: an "xn--" label is valid only when its U-label obeys every
/// rule a typed U-label must (RFC 5891 4.2.3 and 5.4), not just when it round-trips. The
/// address parser used to add those rules itself; the check is now whole where it lives.
struct ALabelValidationTests {
    @Test(arguments: ["xn--mnchen-3ya", "XN--MNCHEN-3YA", "xn--fsqu00a", "xn--e1afmkfd", "xn--hxajbheg2az3al", "xn--fa-hia"])
    func validALabelsPass(_ label: String) {
        #expect(IDNA.isValidALabel(label))
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var uLabel: String
        var why: String
        var testDescription: String { why }
    }

    /// U-labels toASCII refuses, encoded by hand: their A-labels round-trip through Punycode,
    /// which is why the round trip alone is not enough.
    static let invalidULabels: [Invalid] = [
        Invalid(uLabel: "bü-", why: "ends with a hyphen"),
        Invalid(uLabel: "-bü", why: "starts with a hyphen"),
        Invalid(uLabel: "ab--ü", why: "hyphens in the third and fourth positions"),
        Invalid(uLabel: "\u{301}bü", why: "starts with a combining mark"),
        Invalid(uLabel: "b\u{A0}ü", why: "holds a no-break space"),
        Invalid(uLabel: "bü☃", why: "holds a symbol"),
    ]

    @Test(arguments: invalidULabels)
    func aLabelsOfInvalidULabelsFail(_ invalid: Invalid) throws {
        let aLabel = "xn--" + (try Punycode.encode(invalid.uLabel))
        #expect(try Punycode.decode(String(aLabel.dropFirst(4))) == invalid.uLabel, "the A-label round-trips")
        #expect(!IDNA.isValidALabel(aLabel))
        // And a domain holding it is refused as an invalid A-label, at the label.
        #expect(throws: MessageError.invalidDomain("mail.\(aLabel).example", problem: .invalidALabel(aLabel), offset: 5)) {
            _ = try IDNA.toASCII("mail.\(aLabel).example")
        }
    }

    @Test(arguments: [
        "xn--ab2--cIntQtringe",  // Tests/Fuzz (target address): its U-label ends with '-'
        "xn--zz",  // does not decode
        "xn--abc-",  // decodes to ASCII only: not an A-label at all
        "xn--",  // empty
        "mnchen-3ya",  // no prefix
    ])
    func otherInvalidLabelsFail(_ label: String) {
        #expect(!IDNA.isValidALabel(label))
    }

    @Test func anALabelMustEncodeTheNormalizedULabel() throws {
        // ASCII case does not matter in an A-label ("xn--Bcher-kva" is "bücher"), but an
        // upper-case non-ASCII letter encodes differently from the lower-case U-label, so it
        // was never produced by toASCII.
        #expect(IDNA.isValidALabel("xn--" + (try Punycode.encode("Bücher"))))
        let upper = "xn--" + (try Punycode.encode("bÜcher"))
        #expect(upper.lowercased() != "xn--bcher-kva")
        #expect(!IDNA.isValidALabel(upper))
        // Nor a U-label that is not in NFC: "u" and a combining diaeresis.
        #expect(!IDNA.isValidALabel("xn--" + (try Punycode.encode("bu\u{308}cher"))))
    }
}
