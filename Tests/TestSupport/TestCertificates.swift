import Foundation

/// A private CA and server certificates made with the `openssl` CLI at test time, so no key
/// material is committed and every run uses fresh keys. Shared by every test target.
public struct TestCertificates: Sendable {
    public let directory: URL
    public var caFile: String { directory.appendingPathComponent("ca.pem").path }
    /// Signed by the CA, for `localhost` and 127.0.0.1.
    public var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    public var serverKey: String { directory.appendingPathComponent("server.key").path }
    /// Signed by the CA, but for mail.other.example only.
    public var otherHostCertificate: String { directory.appendingPathComponent("other.pem").path }
    public var otherHostKey: String { directory.appendingPathComponent("other.key").path }

    public static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        try certificates.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=maild test CA", "-days", "2",
                              "-keyout", "ca.key", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
                              "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try certificates.makeLeaf(name: "server", subject: "/CN=localhost", subjectAltName: "DNS:localhost,IP:127.0.0.1,IP:::1")
        try certificates.makeLeaf(name: "other", subject: "/CN=mail.other.example", subjectAltName: "DNS:mail.other.example")
        return certificates
    }

    private func makeLeaf(name: String, subject: String, subjectAltName: String) throws {
        try run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", "\(name).key", "-out", "\(name).csr"])
        try "subjectAltName=\(subjectAltName)\nextendedKeyUsage=serverAuth\n".write(
            to: directory.appendingPathComponent("\(name).ext"), atomically: true, encoding: .utf8)
        try run(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                 "-extfile", "\(name).ext", "-out", "\(name).pem"])
    }

    /// Writes a secret file (first line only, as operators write them) beside the certificates.
    public func writeSecret(_ secret: String, name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try (secret + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        // A file, not a pipe: Foundation's pipe reading can trap on EINTR under parallel tests.
        let errorLog = directory.appendingPathComponent("openssl-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        let errors = try FileHandle(forWritingTo: errorLog)
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        try? errors.close()
        guard process.terminationStatus == 0 else {
            let output = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            throw TestSupportError("openssl \(arguments.joined(separator: " ")) failed: \(output)")
        }
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
