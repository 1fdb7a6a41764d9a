import Foundation

/// A self-signed certificate for localhost and 127.0.0.1, made with the `openssl` CLI when a
/// test needs it, so no key material is committed.
struct TestCertificate {
    let directory: URL
    var certificateFile: String { directory.appendingPathComponent("cert.pem").path }
    var keyFile: String { directory.appendingPathComponent("key.pem").path }

    static func make() throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-server-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2",
                             "-keyout", "key.pem", "-out", "cert.pem"]
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        // A file, not a Pipe: Foundation's pipe reading traps on EINTR (a SIGCHLD can land
        // mid-read when tests run in parallel).
        let errorLog = directory.appendingPathComponent("openssl.log")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        let errors = try FileHandle(forWritingTo: errorLog)
        defer { try? errors.close() }
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let output = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            throw TestFailure("openssl req failed: \(output)")
        }
        return TestCertificate(directory: directory)
    }
}
