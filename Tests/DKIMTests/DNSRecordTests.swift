import DKIM
import Foundation
import Testing
import TestSupport

/// The TXT record: name, tags, and p= equal to what the openssl CLI derives from the same key.
@Suite(.timeLimit(.minutes(2)))
struct DNSRecordTests {
    @Test func rsaRecordCarriesTheSubjectPublicKeyInfo() throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let path = try keys.rsa()
        try ExternalTool.openssl(["pkey", "-in", path, "-pubout", "-outform", "DER", "-out", "pub.der"], in: keys.directory)
        let der = try Data(contentsOf: URL(fileURLWithPath: keys.path("pub.der")))
        let key = try DKIMSigningKey(pemFile: path)
        #expect(key.algorithm == .rsaSHA256)
        #expect(key.bits == 2048)
        let record = try key.dnsRecord(selector: "s2025", domain: "example.org")
        #expect(record.name == "s2025._domainkey.example.org")
        #expect(record.value == "v=DKIM1; k=rsa; p=\(der.base64EncodedString())")
        // 255-byte character-strings in the zone-file form, joined back to the value.
        let strings = record.zoneFileLine.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(strings.count == 2)
        #expect(strings.allSatisfy { $0.utf8.count <= 255 })
        #expect(strings.joined() == record.value)
    }

    @Test func ed25519RecordCarriesTheRawKey() throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let path = try keys.ed25519()
        try ExternalTool.openssl(["pkey", "-in", path, "-pubout", "-outform", "DER", "-out", "pub.der"], in: keys.directory)
        let der = try Data(contentsOf: URL(fileURLWithPath: keys.path("pub.der")))
        let key = try DKIMSigningKey(pemFile: path)
        #expect(key.algorithm == .ed25519SHA256)
        let record = try key.dnsRecord(selector: "ed", domain: "example.org")
        // RFC 8463 section 4: the bare 32-byte key, i.e. the SPKI without its 12-byte prefix.
        #expect(record.value == "v=DKIM1; k=ed25519; p=\(der.suffix(32).base64EncodedString())")
    }

    /// A generated key written to disk is owner-only, loads back, and has the same record.
    @Test(arguments: [DKIMAlgorithm.rsaSHA256, .ed25519SHA256])
    func generatedKeyRoundTrips(_ algorithm: DKIMAlgorithm) throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let key = try DKIMSigningKey.generate(algorithm)
        let path = keys.path("new.key")
        try key.writePEM(toNewFile: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let loaded = try DKIMSigningKey(pemFile: path)
        #expect(try loaded.dnsRecord(selector: "s", domain: "example.org") == key.dnsRecord(selector: "s", domain: "example.org"))
        // openssl reads it too.
        let check = try ExternalTool.openssl(["pkey", "-in", path, "-noout", "-text"], in: keys.directory)
        #expect(check.output.contains(algorithm == .rsaSHA256 ? "Private-Key: (2048 bit" : "ED25519 Private-Key"))
        // Never overwritten.
        let error = #expect(throws: DKIMError.self) { try key.writePEM(toNewFile: path) }
        #expect(error?.description.contains("exists") == true)
    }
}
