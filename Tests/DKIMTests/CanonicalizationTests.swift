import DKIM
import Foundation
import Testing
import TestSupport

/// RFC 6376 section 3.4: the examples of section 3.4.5 and the edge cases around them.
struct CanonicalizationTests {
    struct HeaderCase: Sendable, CustomTestStringConvertible {
        var field: String
        var relaxed: String
        var testDescription: String { String(reflecting: field) }
    }

    static let headerCases: [HeaderCase] = [
        // Section 3.4.5's example, both fields.
        HeaderCase(field: "A: X\r\n", relaxed: "a:X\r\n"),
        HeaderCase(field: "B : Y\t\r\n\tZ  \r\n", relaxed: "b:Y Z\r\n"),
        HeaderCase(field: "SUBJECT:x\r\n", relaxed: "subject:x\r\n"),
        HeaderCase(field: "Subject:   Hello \t  World  \r\n", relaxed: "subject:Hello World\r\n"),
        HeaderCase(field: "To: a@example.org,\r\n  b@example.org,\r\n\tc@example.org\r\n", relaxed: "to:a@example.org, b@example.org, c@example.org\r\n"),
        HeaderCase(field: "X-Empty:\r\n", relaxed: "x-empty:\r\n"),
        HeaderCase(field: "X-Blank:  \t \r\n", relaxed: "x-blank:\r\n"),
        HeaderCase(field: "Name\t:\tvalue\r\n", relaxed: "name:value\r\n"),
        HeaderCase(field: "Subject: Grüße aus Köln\r\n", relaxed: "subject:Grüße aus Köln\r\n"),
        HeaderCase(field: "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n =?UTF-8?B?IGF1cyBLw7Zsbg==?=\r\n",
                   relaxed: "subject:=?UTF-8?B?R3LDvMOfZQ==?= =?UTF-8?B?IGF1cyBLw7Zsbg==?=\r\n"),
    ]

    @Test(arguments: headerCases)
    func relaxedHeader(_ example: HeaderCase) {
        let output = DKIMCanonicalization.relaxed.canonicalizeHeader(Array(example.field.utf8))
        #expect(String(decoding: output, as: UTF8.self) == example.relaxed)
    }

    @Test(arguments: headerCases)
    func simpleHeaderIsUnchanged(_ example: HeaderCase) {
        let output = DKIMCanonicalization.simple.canonicalizeHeader(Array(example.field.utf8))
        #expect(output == Array(example.field.utf8))
    }

    struct BodyCase: Sendable, CustomTestStringConvertible {
        var body: String
        var relaxed: String
        var simple: String
        var testDescription: String { String(reflecting: body) }
    }

    static let bodyCases: [BodyCase] = [
        // Section 3.4.5's example body.
        BodyCase(body: " C \r\nD \t E\r\n\r\n\r\n", relaxed: " C\r\nD E\r\n", simple: " C \r\nD \t E\r\n"),
        // Empty bodies: simple makes one CRLF (3.4.3), relaxed stays empty (3.4.4, erratum 1384).
        BodyCase(body: "", relaxed: "", simple: "\r\n"),
        BodyCase(body: "\r\n", relaxed: "", simple: "\r\n"),
        BodyCase(body: "\r\n\r\n\r\n", relaxed: "", simple: "\r\n"),
        BodyCase(body: "  \t \r\n", relaxed: "", simple: "  \t \r\n"),
        // A missing final CRLF is added.
        BodyCase(body: "abc", relaxed: "abc\r\n", simple: "abc\r\n"),
        BodyCase(body: "abc\r\n", relaxed: "abc\r\n", simple: "abc\r\n"),
        // Empty lines inside the body stay; whitespace-only lines become empty under relaxed.
        BodyCase(body: "a\r\n \r\nb\r\n", relaxed: "a\r\n\r\nb\r\n", simple: "a\r\n \r\nb\r\n"),
        BodyCase(body: "line  with \t runs\r\n\r\n\r\nend\r\n\r\n", relaxed: "line with runs\r\n\r\n\r\nend\r\n",
                 simple: "line  with \t runs\r\n\r\n\r\nend\r\n"),
        // Leading whitespace is compressed, not removed.
        BodyCase(body: "\t\tindented\r\n", relaxed: " indented\r\n", simple: "\t\tindented\r\n"),
        // Trailing empty lines after whitespace-only lines all go.
        BodyCase(body: "x\r\n  \r\n\t\r\n\r\n", relaxed: "x\r\n", simple: "x\r\n  \r\n\t\r\n"),
    ]

    @Test(arguments: bodyCases)
    func body(_ example: BodyCase) {
        let input = Array(example.body.utf8)
        #expect(String(decoding: DKIMCanonicalization.relaxed.canonicalizeBody(input), as: UTF8.self) == example.relaxed)
        #expect(String(decoding: DKIMCanonicalization.simple.canonicalizeBody(input), as: UTF8.self) == example.simple)
    }

    /// Large random bodies (crossing the 4 KB chunk boundary many times) agree byte for byte with
    /// dkimpy's canonicalization, an independent implementation.
    @Test func randomBodiesMatchDkimpy() throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        var generator = SplitMix64(seed: 6376)
        let alphabet: [UInt8] = Array("ab  \t\t\r\n\r\n\r\nxyz=".utf8)
        var paths: [String] = []
        var expected: [String: ([UInt8], [UInt8])] = [:]
        for index in 0..<12 {
            let length = Int(generator.next() % 20_000)
            var body = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            // Bodies as SMTP sends them end in CRLF.
            body.append(contentsOf: [0x0D, 0x0A])
            let path = keys.path("body-\(index)")
            try Data(body).write(to: URL(fileURLWithPath: path))
            paths.append(path)
            expected[path] = (DKIMCanonicalization.relaxed.canonicalizeBody(body), DKIMCanonicalization.simple.canonicalizeBody(body))
        }
        let script = """
        import sys
        from dkim.canonicalization import Relaxed, Simple
        for path in sys.argv[1:]:
            body = open(path, 'rb').read()
            open(path + '.relaxed', 'wb').write(Relaxed.canonicalize_body(body))
            open(path + '.simple', 'wb').write(Simple.canonicalize_body(body))
        """
        let result = try ExternalTool.run(["python3", "-c", script] + paths, in: keys.directory)
        #expect(result.status == 0, "\(result.errors)")
        for path in paths {
            guard let (relaxed, simple) = expected[path] else { continue }
            let theirRelaxed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + ".relaxed")))
            let theirSimple = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + ".simple")))
            #expect(relaxed == theirRelaxed, "relaxed \(path): \(relaxed.count) vs \(theirRelaxed.count) bytes")
            #expect(simple == theirSimple, "simple \(path): \(simple.count) vs \(theirSimple.count) bytes")
        }
    }
}

/// A small deterministic generator so a failing random case can be reproduced.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

