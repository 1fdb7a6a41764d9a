import Foundation

/// Runs the real `mailctl` binary, built beside the test bundle, as a separate process.
struct MailctlProcess {
    struct Output {
        var status: Int32
        var standardOutput: String
        var standardError: String
        var all: String { standardOutput + standardError }
    }

    static var binary: URL {
        let testRunner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testRunner.deletingLastPathComponent().appendingPathComponent("mailctl")
    }

    /// Runs to completion and returns what it printed. Output goes through files, not pipes:
    /// Foundation's pipe reading can trap on EINTR when tests run in parallel.
    static func run(_ arguments: [String]) async throws -> Output {
        let directory = FileManager.default.temporaryDirectory
        let outFile = directory.appendingPathComponent("mailctl-\(UUID().uuidString).out")
        let errFile = directory.appendingPathComponent("mailctl-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let out = try FileHandle(forWritingTo: outFile)
        let err = try FileHandle(forWritingTo: errFile)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try? out.close()
        try? err.close()
        return Output(status: process.terminationStatus,
                      standardOutput: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
                      standardError: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }

    /// Polls `file` until it contains `text`.
    static func waitFor(_ text: String, in file: URL, timeout: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let contents = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            if contents.contains(text) { return contents }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "\(text) never appeared in \(file.path)"])
    }
}

/// Private CA and a server certificate for localhost, made with the openssl CLI per run.
struct Certificates {
    let directory: URL
    var ca: String { directory.appendingPathComponent("ca.pem").path }
    var certificate: String { directory.appendingPathComponent("server.pem").path }
    var key: String { directory.appendingPathComponent("server.key").path }

    static func make() throws -> Certificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mailctl-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
        set -e
        openssl req -x509 -newkey rsa:2048 -nodes -subj '/CN=mailctl test CA' -days 2 -keyout ca.key -out ca.pem \
          -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem 2>/dev/null
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return Certificates(directory: directory)
    }

    func writeSecret(_ secret: String, name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try (secret + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
