import DKIM
import Foundation
import Testing
import TestSupport

/// What an operator sees when the key or the message is wrong.
@Suite(.timeLimit(.minutes(2)))
struct SigningErrorTests {
    @Test func missingKeyFileNamesThePath() throws {
        let error = #expect(throws: DKIMError.self) { try DKIMSigningKey(pemFile: "/nonexistent/dkim/news.key") }
        #expect(error == .keyFileUnreadable(path: "/nonexistent/dkim/news.key", reason: "no such file"))
        #expect(error?.description.contains("/nonexistent/dkim/news.key") == true)
    }

    @Test func directoryIsNotAKeyFile() throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let error = #expect(throws: DKIMError.self) { try DKIMSigningKey(pemFile: keys.directory.path) }
        #expect(error == .keyFileUnreadable(path: keys.directory.path, reason: "it is a directory"))
    }

    struct BadKeyCase: Sendable, CustomTestStringConvertible {
        var name: String
        var make: @Sendable (TestKeys) throws -> String
        var matches: @Sendable (DKIMError) -> Bool
        var mentions: String
        var testDescription: String { name }
    }

    static let badKeys: [BadKeyCase] = [
        BadKeyCase(name: "garbage", make: { keys in
            let path = keys.path("garbage.key")
            try Data("not a key at all\n".utf8).write(to: URL(fileURLWithPath: path))
            return path
        }, matches: { if case .notAPrivateKey = $0 { return true } else { return false } }, mentions: "not a PEM private key"),
        BadKeyCase(name: "empty file", make: { keys in
            let path = keys.path("empty.key")
            try Data().write(to: URL(fileURLWithPath: path))
            return path
        }, matches: { if case .notAPrivateKey = $0 { return true } else { return false } }, mentions: "empty"),
        BadKeyCase(name: "public key", make: { keys in
            let key = try keys.rsa(name: "for-public.key")
            try ExternalTool.openssl(["pkey", "-in", key, "-pubout", "-out", "public.pem"], in: keys.directory)
            return keys.path("public.pem")
        }, matches: { if case .notAPrivateKey = $0 { return true } else { return false } }, mentions: "public key"),
        BadKeyCase(name: "RSA 512 bits", make: { keys in try keys.rsa(bits: 512, name: "rsa512.key") },
                   matches: { $0 == .rsaKeyTooSmall(source: $0.source, bits: 512) }, mentions: "512 bits"),
        BadKeyCase(name: "encrypted", make: { keys in
            try ExternalTool.openssl(["genpkey", "-algorithm", "ed25519", "-aes-256-cbc", "-pass", "pass:secret", "-out", "enc.key"],
                                     in: keys.directory)
            return keys.path("enc.key")
        }, matches: { if case .encryptedKey = $0 { return true } else { return false } }, mentions: "passphrase"),
        BadKeyCase(name: "EC P-256", make: { keys in
            try ExternalTool.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key"],
                                     in: keys.directory)
            return keys.path("ec.key")
        }, matches: { if case .unsupportedKeyType = $0 { return true } else { return false } }, mentions: "RSA"),
    ]

    @Test(arguments: badKeys)
    func badKeyIsRefusedWithAReason(_ example: BadKeyCase) throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let path = try example.make(keys)
        let error = try #require(#expect(throws: DKIMError.self) { try DKIMSigningKey(pemFile: path) })
        #expect(example.matches(error), "\(error)")
        #expect(error.description.contains(path), "\(error.description)")
        #expect(error.description.contains(example.mentions), "\(error.description)")
    }

    struct MessageCase: Sendable, CustomTestStringConvertible {
        var name: String
        var message: String
        var expected: DKIMError
        var testDescription: String { name }
    }

    static let badMessages: [MessageCase] = [
        MessageCase(name: "no From", message: "To: b@example.net\r\nSubject: x\r\n\r\nFrom: in the body\r\n", expected: .missingFromHeader),
        MessageCase(name: "no headers", message: "\r\nbody\r\n", expected: .missingFromHeader),
        MessageCase(name: "two From", message: "From: a@example.org\r\nFrom: c@example.org\r\n\r\nx\r\n", expected: .multipleFromHeaders(count: 2)),
        MessageCase(name: "bare LF", message: "From: a@example.org\nTo: b@example.net\n\nx\n", expected: .bareLineBreak(line: 1)),
        MessageCase(name: "bare CR", message: "From: a@example.org\r\nTo: b@\rexample.net\r\n\r\nx\r\n", expected: .bareLineBreak(line: 2)),
        MessageCase(name: "continuation first", message: " folded\r\nFrom: a@example.org\r\n\r\n", expected: .malformedHeader(line: 1, excerpt: " folded")),
        MessageCase(name: "no colon", message: "From: a@example.org\r\nNot a header\r\n\r\n", expected: .malformedHeader(line: 2, excerpt: "Not a header")),
    ]

    @Test(arguments: badMessages)
    func badMessageIsNotSigned(_ example: MessageCase) throws {
        let key = try DKIMSigningKey.generate(.ed25519SHA256)
        let signer = try DKIMSigner(domain: "example.org", selector: "s", key: key)
        let error = #expect(throws: DKIMError.self) { try signer.sign(message: Array(example.message.utf8), at: Date()) }
        #expect(error == example.expected)
    }

    @Test(arguments: [("exa mple.org", true), ("example", true), ("bücher.example", true), ("-bad.example", true), ("ok", false)])
    func badDomainOrSelector(_ value: String, _ isDomain: Bool) throws {
        let key = try DKIMSigningKey.generate(.ed25519SHA256)
        if isDomain {
            #expect(throws: DKIMError.invalidDomain(value)) { try DKIMSigner(domain: value, selector: "s", key: key) }
        } else {
            #expect(throws: DKIMError.invalidSelector("bad selector")) { try DKIMSigner(domain: "example.org", selector: "bad selector", key: key) }
        }
    }
}

extension DKIMError {
    /// The source a key error names, for table rows that cannot know the temp path up front.
    var source: String {
        switch self {
        case let .rsaKeyTooSmall(source, _), let .notAPrivateKey(source, _), let .encryptedKey(source),
             let .unsupportedKeyType(source, _):
            return source
        default:
            return ""
        }
    }
}
