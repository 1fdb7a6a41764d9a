import DKIM
import Foundation
import Testing
import TestSupport

/// The shape of the DKIM-Signature field: tags, h= choice and order, folding, b= last.
@Suite(.timeLimit(.minutes(2)))
struct SignatureHeaderTests {
    /// Tag name -> value with folding whitespace removed, and the raw lines.
    static func parse(_ header: [UInt8]) -> (tags: [String: String], order: [String], lines: [String]) {
        let text = String(decoding: header, as: UTF8.self)
        let lines: [String] = Array(text.components(separatedBy: "\r\n").dropLast())
        let unfolded = text.replacingOccurrences(of: "\r\n", with: "").dropFirst("DKIM-Signature:".count)
        var tags: [String: String] = [:]
        var order: [String] = []
        for part in unfolded.split(separator: ";") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.filter { !$0.isWhitespace } }
            guard pieces.count == 2 else { continue }
            tags[pieces[0]] = pieces[1]
            order.append(pieces[0])
        }
        return (tags, order, lines)
    }

    static let keys = Result { try TestKeys() }

    /// One RSA key made by the openssl CLI for the whole suite; a static let is initialised
    /// once even when the tests run in parallel.
    static let sharedRSAKey = Result { () throws -> DKIMSigningKey in
        try DKIMSigningKey(pemFile: try keys.get().rsa())
    }

    static func rsaKey() throws -> DKIMSigningKey { try sharedRSAKey.get() }

    @Test func tagsFoldingAndOrder() throws {
        let signer = try DKIMSigner(domain: "mail.example.org", selector: "s2025", key: try Self.rsaKey(), expiry: 3600)
        let date = Date(timeIntervalSince1970: 1_763_900_000.75)
        let header = try signer.sign(message: SampleMessages.foldedHeaders, at: date)
        let (tags, order, lines) = Self.parse(header)
        #expect(header.suffix(2) == [0x0D, 0x0A])
        #expect(lines.first?.hasPrefix("DKIM-Signature: v=1; a=rsa-sha256;") == true)
        for line in lines {
            #expect(line.count <= 78, "\(line.count): \(line)")
        }
        for line in lines.dropFirst() {
            #expect(line.hasPrefix("\t"), "continuation line must start with WSP: \(line)")
        }
        #expect(order.first == "v")
        #expect(order.last == "b")
        #expect(tags["a"] == "rsa-sha256")
        #expect(tags["c"] == "relaxed/relaxed")
        #expect(tags["d"] == "mail.example.org")
        #expect(tags["s"] == "s2025")
        #expect(tags["t"] == "1763900000")
        #expect(tags["x"] == "1763903600")
        #expect(tags["bh"]?.count == 44)
        #expect(tags["b"].flatMap { Data(base64Encoded: $0) }?.count == 256)
        // In the configured order: present headers, oversigned ones listed once more, and
        // absent oversigned ones (Reply-To, Cc) once, so that adding one breaks the signature.
        #expect(tags["h"] == "from:from:reply-to:subject:subject:date:date:to:to:cc:list-unsubscribe:list-unsubscribe:list-unsubscribe-post:list-unsubscribe-post")
    }

    struct HeaderListCase: Sendable {
        var headers: [String]
        var oversign: [String]
        var expected: String
    }

    static let headerListCases: [HeaderListCase] = [
        // Two Cc fields: listed twice (signed bottom-up), three times when oversigned.
        HeaderListCase(headers: DKIMSigner.defaultHeaders, oversign: [], expected: "from:reply-to:subject:to:cc:cc"),
        HeaderListCase(headers: DKIMSigner.defaultHeaders, oversign: DKIMSigner.defaultOversigned,
                       expected: "from:from:reply-to:reply-to:subject:subject:date:to:to:cc:cc:cc:list-unsubscribe:list-unsubscribe-post"),
        // From is signed even when the list forgets it; names match case-insensitively.
        HeaderListCase(headers: ["SUBJECT", "cc"], oversign: ["Subject"], expected: "from:subject:subject:cc:cc"),
        // Absent headers are listed only when oversigned: once, hashing as nothing.
        HeaderListCase(headers: ["From", "In-Reply-To", "References"], oversign: ["In-Reply-To"], expected: "from:in-reply-to"),
    ]

    @Test(arguments: headerListCases)
    func headerList(_ example: HeaderListCase) throws {
        let signer = try DKIMSigner(domain: "example.org", selector: "s", key: try Self.rsaKey(), headers: example.headers,
                                    oversign: example.oversign)
        let header = try signer.sign(message: SampleMessages.repeatedHeaders, at: Date())
        #expect(Self.parse(header).tags["h"] == example.expected)
    }

    @Test func signedIsHeaderThenMessage() throws {
        let signer = try DKIMSigner(domain: "example.org", selector: "s", key: try Self.rsaKey())
        let date = Date(timeIntervalSince1970: 1_763_900_000)
        let header = try signer.sign(message: SampleMessages.plain, at: date)
        #expect(try signer.signed(message: SampleMessages.plain, at: date) == header + SampleMessages.plain)
    }

    /// The body hash matches SHA-256 of the canonical body computed by the openssl CLI.
    @Test(arguments: [DKIMCanonicalizationPair.relaxed, .simple])
    func bodyHashMatchesOpenSSL(_ canonicalization: DKIMCanonicalizationPair) throws {
        let keys = try Self.keys.get()
        let signer = try DKIMSigner(domain: "example.org", selector: "s", key: try Self.rsaKey(), canonicalization: canonicalization)
        let message = SampleMessages.foldedHeaders
        let header = try signer.sign(message: message, at: Date())
        let bodyStart = try #require((0..<(message.count - 3)).first { Array(message[$0..<($0 + 4)]) == [13, 10, 13, 10] }) + 4
        let canonical = canonicalization.body.canonicalizeBody(Array(message[bodyStart...]))
        let path = keys.path("body-\(UUID().uuidString)")
        try Data(canonical).write(to: URL(fileURLWithPath: path))
        let result = try ExternalTool.openssl(["dgst", "-sha256", "-binary", "-out", path + ".sha", path], in: keys.directory)
        #expect(result.status == 0)
        let digest = try Data(contentsOf: URL(fileURLWithPath: path + ".sha"))
        #expect(Self.parse(header).tags["bh"] == digest.base64EncodedString())
    }
}
