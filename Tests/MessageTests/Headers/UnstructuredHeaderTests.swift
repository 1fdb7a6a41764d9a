import Message
import Testing

/// Unstructured fields (Subject and the like): exact output for short values, and for long ones
/// the properties that matter: folded at whitespace, lines within limits, encoded-words within
/// 75 characters and decodable one by one, CRLF everywhere, and the value decoding back exactly.
struct UnstructuredHeaderTests {
    let encoder = HeaderEncoder()

    struct Exact: Sendable, CustomTestStringConvertible {
        var value: String
        var field: String
        var testDescription: String { String(reflecting: value) }
    }

    static let exact: [Exact] = [
        Exact(value: "Hello world", field: "Subject: Hello world\r\n"),
        // Per word: B where shorter ("Grüße": 12 against 15), Q on a tie ("München": 12 and 12).
        Exact(value: "Grüße aus München", field: "Subject: =?UTF-8?B?R3LDvMOfZQ==?= aus =?UTF-8?Q?M=C3=BCnchen?=\r\n"),
        // Adjacent words that need encoding share encoded-words, space included.
        Exact(value: "Grüße München", field: "Subject: =?UTF-8?B?R3LDvMOfZSBNw7xuY2hlbg==?=\r\n"),
        Exact(value: "Café ok", field: "Subject: =?UTF-8?B?Q2Fmw6k=?= ok\r\n"),
        Exact(value: "Caféteria ok", field: "Subject: =?UTF-8?Q?Caf=C3=A9teria?= ok\r\n"),
        Exact(value: "日本語のテスト", field: "Subject: =?UTF-8?B?5pel5pys6Kqe44Gu44OG44K544OI?=\r\n"),
        // Text that looks like an encoded-word is encoded, or a reader would decode it.
        Exact(value: "price =?UTF-8?Q?x?= now", field: "Subject: price =?UTF-8?B?PT9VVEYtOD9RP3g/PQ==?= now\r\n"),
        Exact(value: "", field: "Subject:\r\n"),
        Exact(value: "  padded\t ", field: "Subject: padded\r\n"),
        Exact(value: "a\tb  c", field: "Subject: a\tb  c\r\n"),
        Exact(value: "Re: [list] 50% off! \"quoted\" (not a comment) a_b=c?", field: "Subject: Re: [list] 50% off! \"quoted\" (not a comment) a_b=c?\r\n"),
    ]

    @Test(arguments: exact)
    func exactOutput(_ testCase: Exact) throws {
        #expect(try encoder.encode(name: "Subject", value: testCase.value) == testCase.field)
    }

    struct Folding: Sendable, CustomTestStringConvertible {
        var name: String
        var value: String
        /// Whether every line must be within 78 (false when a single word is longer).
        var fitsIn78: Bool
        var testDescription: String { "\(name): \(value.prefix(40))… (\(value.count) characters)" }
    }

    static let longGerman = "Sehr geehrte Kundin, sehr geehrter Kunde: Ihre Bestellung über 3 Bücher und 2 Hörbücher ist unterwegs, Grüße aus München und Köln"
    static let longJapanese = "お客様各位、いつもご利用いただきありがとうございます。本日は新商品のご案内と、期間限定キャンペーンのお知らせをお届けします。"

    static let folding: [Folding] = [
        Folding(name: "Subject", value: Array(repeating: "Weekly newsletter with news", count: 12).joined(separator: " "), fitsIn78: true),
        Folding(name: "Subject", value: longGerman, fitsIn78: true),
        Folding(name: "Subject", value: longJapanese, fitsIn78: true),
        Folding(name: "Subject", value: longGerman + " " + longJapanese + " plain tail", fitsIn78: true),
        Folding(name: "Subject", value: String(repeating: "👨‍👩‍👧‍👦🇩🇪👍🏽", count: 30), fitsIn78: true),
        // A grapheme cluster too long for one encoded-word is cut between scalars.
        Folding(name: "Subject", value: "e" + String(repeating: "\u{301}\u{308}", count: 40), fitsIn78: true),
        Folding(name: "Subject", value: "before" + String(repeating: " ", count: 120) + "after", fitsIn78: true),
        Folding(name: "Subject", value: "a" + String(repeating: "\t", count: 80) + "b c", fitsIn78: true),
        Folding(name: "X-Tracking-Reference", value: "https://example.com/" + String(repeating: "abcdefghij", count: 15) + " and more",
                fitsIn78: false),
        // A word that cannot fit in 998 octets is carried as encoded-words instead.
        Folding(name: "Subject", value: "start " + String(repeating: "x", count: 2000) + " end", fitsIn78: true),
        // No encoded-word fits after a 76-character name: the value starts on the next line.
        Folding(name: String(repeating: "X", count: 76), value: "Grüße " + longJapanese, fitsIn78: true),
        Folding(name: "Subject", value: String(repeating: "=?", count: 100), fitsIn78: true),
    ]

    @Test(arguments: folding)
    func foldsWithinLimitsAndDecodesBack(_ testCase: Folding) throws {
        let field = try encoder.encode(name: testCase.name, value: testCase.value)
        #expect(HeaderWireChecks.problems(in: field, preferredLength: testCase.fitsIn78 ? 78 : nil) == [])
        #expect(field.hasPrefix(testCase.name + ": ") || field.hasPrefix(testCase.name + ":\r\n "))
        #expect(field.unicodeScalars.allSatisfy { $0.isASCII })
        let decoded = try EncodedWordDecoder.decode(HeaderWireChecks.unfoldedValue(of: field))
        #expect(decoded == testCase.value)
    }

    @Test func longASCIISubjectFoldsAtSpacesOnly() throws {
        let words = (1...40).map { "word\($0)" }
        let field = try encoder.encode(name: "Subject", value: words.joined(separator: " "))
        let lines = HeaderWireChecks.lines(of: field)
        #expect(lines.count > 3)
        // Each continuation line starts with the space that separated two words, and no word is cut.
        for line in lines.dropFirst() { #expect(line.hasPrefix(" word")) }
        #expect(lines.joined().split(separator: " ").dropFirst().map(String.init) == words)
        #expect(!field.contains("=?"))
    }

    @Test func longNonASCIISubjectBecomesSeveralEncodedWords() throws {
        let field = try encoder.encode(name: "Subject", value: Self.longJapanese)
        let words = HeaderWireChecks.encodedWords(in: field)
        #expect(words.count > 3)
        #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") })
        // Each word decodes on its own: no UTF-8 sequence is split between two words.
        for word in words { #expect(try EncodedWordDecoder.decodeWord(Substring(word)) != nil) }
    }

    /// Values mixing everything campaigns contain, the same on every run.
    @Test(arguments: 0..<200)
    func generatedValuesRoundTrip(_ seed: Int) throws {
        let value = GeneratedText.value(seed: UInt64(seed))
        let field = try encoder.encode(name: "Subject", value: value)
        #expect(HeaderWireChecks.problems(in: field, preferredLength: 78) == [], "seed \(seed)")
        #expect(try EncodedWordDecoder.decode(HeaderWireChecks.unfoldedValue(of: field)) == value, "seed \(seed)")
    }

    @Test func headerNamesAreChecked() {
        #expect(throws: MessageError.invalidHeaderName("", offset: nil)) { _ = try encoder.encode(name: "", value: "x") }
        #expect(throws: MessageError.invalidHeaderName("X Bad", offset: 1)) { _ = try encoder.encode(name: "X Bad", value: "x") }
        #expect(throws: MessageError.invalidHeaderName("Subject:", offset: 7)) { _ = try encoder.encode(name: "Subject:", value: "x") }
        #expect(throws: MessageError.invalidHeaderName("Sübject", offset: 1)) { _ = try encoder.encode(name: "Sübject", value: "x") }
        let long = String(repeating: "X", count: 77)
        #expect(throws: MessageError.invalidHeaderName(long, offset: nil)) { _ = try encoder.encode(name: long, value: "x") }
    }
}
