import Foundation
import Testing
import TestSupport

/// `mailctl dkim-keygen` and `mailctl dkim-record` as an operator runs them, checked against the
/// openssl CLI.
@Suite(.timeLimit(.minutes(2)))
struct DKIMCommandTests {
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mailctl-dkim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func openssl(_ arguments: [String], in directory: URL) throws -> Data {
        let output = directory.appendingPathComponent("openssl-\(UUID().uuidString).out")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", arguments[0], "-out", output.path] + arguments.dropFirst()
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestSupportError("openssl \(arguments) failed") }
        return try Data(contentsOf: output)
    }

    static func value(of label: String, in output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix(label + " ") }.map { String($0.dropFirst(label.count)).trimmingCharacters(in: .whitespaces) }
    }

    @Test(arguments: ["rsa", "ed25519"])
    func keygenWritesAnOwnerOnlyKeyAndItsRecord(_ algorithm: String) async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("news.key").path
        let output = try await MailctlProcess.run(["dkim-keygen", "--algorithm", algorithm, "--out", keyPath,
                                                   "--selector", "news2025", "--domain", "example.org"])
        #expect(output.status == 0, "\(output.all)")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(Self.value(of: "name", in: output.standardOutput) == "news2025._domainkey.example.org")
        // p= is what openssl derives from the written key.
        let der = try Self.openssl(["pkey", "-in", keyPath, "-pubout", "-outform", "DER"], in: directory)
        let publicKey = algorithm == "rsa" ? der : der.suffix(32)
        #expect(Self.value(of: "value", in: output.standardOutput) == "v=DKIM1; k=\(algorithm); p=\(publicKey.base64EncodedString())")

        // dkim-record on the same file prints the same record.
        let record = try await MailctlProcess.run(["dkim-record", "--key", keyPath, "--selector", "news2025", "--domain", "example.org"])
        #expect(record.status == 0, "\(record.all)")
        #expect(Self.value(of: "value", in: record.standardOutput) == Self.value(of: "value", in: output.standardOutput))

        // A second keygen to the same path refuses to overwrite the key in use.
        let again = try await MailctlProcess.run(["dkim-keygen", "--algorithm", algorithm, "--out", keyPath])
        #expect(again.status == 1)
        #expect(again.standardError.contains("exists"), "\(again.all)")
    }

    @Test func recordForATraditionalRSAKeyFromOpenSSL() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("old.key").path
        _ = try Self.openssl(["genrsa", "-traditional", "2048"], in: directory)
        let generated = try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasPrefix("openssl-") }
        try FileManager.default.moveItem(atPath: directory.appendingPathComponent(try #require(generated)).path, toPath: keyPath)
        let der = try Self.openssl(["pkey", "-in", keyPath, "-pubout", "-outform", "DER"], in: directory)
        let output = try await MailctlProcess.run(["dkim-record", "--key", keyPath, "--selector", "s1", "--domain", "mail.example.org"])
        #expect(output.status == 0, "\(output.all)")
        #expect(Self.value(of: "name", in: output.standardOutput) == "s1._domainkey.mail.example.org")
        #expect(Self.value(of: "value", in: output.standardOutput) == "v=DKIM1; k=rsa; p=\(der.base64EncodedString())")
        #expect(output.standardOutput.contains("zone   s1._domainkey.mail.example.org. IN TXT ( \""))
    }

    @Test func errorsNameTheProblem() async throws {
        let missing = try await MailctlProcess.run(["dkim-record", "--key", "/nonexistent/dkim.key", "--selector", "s", "--domain", "example.org"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("/nonexistent/dkim.key cannot be read: no such file"), "\(missing.all)")

        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("k.key").path
        let made = try await MailctlProcess.run(["dkim-keygen", "--algorithm", "ed25519", "--out", keyPath])
        #expect(made.status == 0, "\(made.all)")
        let badDomain = try await MailctlProcess.run(["dkim-record", "--key", keyPath, "--selector", "s", "--domain", "bad domain"])
        #expect(badDomain.status == 1)
        #expect(badDomain.standardError.contains("not an ASCII domain name"), "\(badDomain.all)")

        let badBits = try await MailctlProcess.run(["dkim-keygen", "--algorithm", "rsa", "--bits", "512", "--out", keyPath + "2"])
        #expect(badBits.status == 64)
        #expect(!FileManager.default.fileExists(atPath: keyPath + "2"))
    }
}
