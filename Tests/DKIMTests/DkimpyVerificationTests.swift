import DKIM
import Foundation
import Testing
import TestSupport

/// Our signatures checked by dkimpy, an independent verifier, with the TXT lookup answered from
/// the record we build; and altered copies that dkimpy must reject, so a pass means something.
@Suite(.timeLimit(.minutes(3)))
struct DkimpyVerificationTests {
    enum KeyKind: String, CaseIterable, Sendable {
        case rsa2048, rsaTraditional, ed25519
    }

    struct Setup: Sendable, CustomTestStringConvertible {
        var key: KeyKind
        var canonicalization: DKIMCanonicalizationPair
        var testDescription: String { "\(key.rawValue) \(canonicalization.tagValue)" }
    }

    static let setups: [Setup] = [
        Setup(key: .rsa2048, canonicalization: .relaxed), Setup(key: .rsa2048, canonicalization: .simple),
        Setup(key: .rsaTraditional, canonicalization: .relaxed),
        Setup(key: .ed25519, canonicalization: .relaxed), Setup(key: .ed25519, canonicalization: .simple),
    ]

    static let verifier = RepositoryPaths.root.appendingPathComponent("Tests/DKIMTests/verify_dkim.py").path

    /// Writes each message, runs the verifier once over all of them, returns path -> verdict.
    static func verify(_ messages: [(String, [UInt8])], record: DKIMDNSRecord, in keys: TestKeys) throws -> [String: String] {
        let recordPath = keys.path("record-\(UUID().uuidString).txt")
        try Data(record.value.utf8).write(to: URL(fileURLWithPath: recordPath))
        var paths: [String] = []
        for (name, bytes) in messages {
            let path = keys.path("\(name)-\(UUID().uuidString).eml")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let result = try ExternalTool.run(["python3", verifier, recordPath, record.name] + paths, in: keys.directory)
        #expect(result.status == 0, "verify_dkim.py: \(result.errors)")
        var verdicts: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            let columns = line.split(separator: "\t", maxSplits: 2).map(String.init)
            guard columns.count >= 2, let index = paths.firstIndex(of: columns[0]) else { continue }
            verdicts[messages[index].0] = columns.dropFirst().joined(separator: " ")
        }
        return verdicts
    }

    static func key(_ kind: KeyKind, in keys: TestKeys) throws -> DKIMSigningKey {
        switch kind {
        case .rsa2048: return try DKIMSigningKey(pemFile: try keys.rsa())
        case .rsaTraditional: return try DKIMSigningKey(pemFile: try keys.traditionalRSA())
        case .ed25519: return try DKIMSigningKey(pemFile: try keys.ed25519())
        }
    }

    @Test(arguments: setups)
    func dkimpyVerifiesEverySampleAndRejectsTampering(_ setup: Setup) throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let key = try Self.key(setup.key, in: keys)
        let signer = try DKIMSigner(domain: "example.org", selector: "s2025", key: key, canonicalization: setup.canonicalization)
        let now = Date()
        var messages: [(String, [UInt8])] = []
        for (name, bytes) in SampleMessages.all {
            messages.append((name, try signer.signed(message: bytes, at: now)))
        }
        // Without oversigning too: the plain h= list must verify as well.
        let plainSigner = try DKIMSigner(domain: "example.org", selector: "s2025", key: key, oversign: [],
                                         canonicalization: setup.canonicalization)
        messages.append(("not-oversigned", try plainSigner.signed(message: SampleMessages.repeatedHeaders, at: now)))
        // A future x= still verifies.
        let expiring = try DKIMSigner(domain: "example.org", selector: "s2025", key: key, canonicalization: setup.canonicalization,
                                      expiry: 7 * 86_400)
        messages.append(("future-expiry", try expiring.signed(message: SampleMessages.plain, at: now)))

        let signedPlain = try signer.signed(message: SampleMessages.plain, at: now)
        let tampered: [(String, [UInt8])] = [
            ("changed-body-byte", Self.replacing("Hello there.", with: "Hello therE.", in: signedPlain)),
            ("changed-subject", Self.replacing("Subject: Hello", with: "Subject: Hullo", in: signedPlain)),
            ("added-subject", Self.replacing("\r\nTo: reader", with: "\r\nSubject: Pay now\r\nTo: reader", in: signedPlain)),
            ("added-from", Self.replacing("\r\nTo: reader", with: "\r\nFrom: Bank <bank@example.com>\r\nTo: reader", in: signedPlain)),
            // Headers the message did not have: listed in h= anyway, so adding one breaks it.
            ("added-reply-to", Self.replacing("\r\nTo: reader", with: "\r\nReply-To: thief@example.com\r\nTo: reader", in: signedPlain)),
            ("added-cc", Self.replacing("\r\nTo: reader", with: "\r\nCc: other@example.com\r\nTo: reader", in: signedPlain)),
            ("appended-body-line", signedPlain + Array("More text.\r\n".utf8)),
            ("expired", try expiring.signed(message: SampleMessages.plain, at: now.addingTimeInterval(-30 * 86_400))),
        ]
        let record = try key.dnsRecord(selector: "s2025", domain: "example.org")
        let verdicts = try Self.verify(messages + tampered, record: record, in: keys)
        for (name, _) in messages {
            #expect(verdicts[name] == "pass", "\(name): \(verdicts[name] ?? "no verdict")")
        }
        for (name, bytes) in tampered {
            #expect(verdicts[name]?.hasPrefix("fail") == true, "\(name) must fail: \(verdicts[name] ?? "no verdict")")
            // The tampering really happened (a no-op replacement would prove nothing).
            #expect(bytes != signedPlain, "\(name)")
        }
    }

    /// Workers share one signer; concurrent calls must give the same bytes as serial ones
    /// (RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic).
    @Test(arguments: [KeyKind.rsa2048, .ed25519])
    func concurrentSigningMatchesSerial(_ kind: KeyKind) async throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let signer = try DKIMSigner(domain: "example.org", selector: "s2025", key: try Self.key(kind, in: keys))
        let date = Date(timeIntervalSince1970: 1_760_000_000)
        let expected = try SampleMessages.all.map { try signer.sign(message: $0.bytes, at: date) }
        try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for _ in 0..<8 {
                for (index, sample) in SampleMessages.all.enumerated() {
                    group.addTask { (index, try signer.sign(message: sample.bytes, at: date)) }
                }
            }
            for try await (index, header) in group {
                #expect(header == expected[index])
            }
        }
    }

    static func replacing(_ old: String, with new: String, in message: [UInt8]) -> [UInt8] {
        let text = String(decoding: message, as: UTF8.self)
        return Array(text.replacingOccurrences(of: old, with: new).utf8)
    }
}
