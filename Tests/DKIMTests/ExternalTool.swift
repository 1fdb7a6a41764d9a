import Foundation
import TestSupport

/// Runs openssl and python3 as separate processes, output through files (Foundation's pipe
/// reading can trap on EINTR when tests run in parallel).
enum ExternalTool {
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ arguments: [String], in directory: URL) throws -> Result {
        let outFile = directory.appendingPathComponent("tool-\(UUID().uuidString).out")
        let errFile = directory.appendingPathComponent("tool-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        let out = try FileHandle(forWritingTo: outFile)
        let err = try FileHandle(forWritingTo: errFile)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        return Result(status: process.terminationStatus,
                      output: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
                      errors: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }

    @discardableResult
    static func openssl(_ arguments: [String], in directory: URL) throws -> Result {
        let result = try run(["openssl"] + arguments, in: directory)
        guard result.status == 0 else {
            throw TestSupportError("openssl \(arguments.joined(separator: " ")) failed: \(result.errors)")
        }
        return result
    }
}

/// A temporary folder of keys made by the openssl CLI, so the keys come from outside our code.
struct TestKeys {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-dkim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// PKCS#8 RSA key ("BEGIN PRIVATE KEY").
    func rsa(bits: Int = 2048, name: String = "rsa.key") throws -> String {
        try ExternalTool.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:\(bits)", "-out", name], in: directory)
        return path(name)
    }

    /// Traditional "BEGIN RSA PRIVATE KEY" form, as older tools and opendkim-genkey write.
    func traditionalRSA(name: String = "rsa-traditional.key") throws -> String {
        try ExternalTool.openssl(["genrsa", "-traditional", "-out", name, "2048"], in: directory)
        return path(name)
    }

    func ed25519(name: String = "ed25519.key") throws -> String {
        try ExternalTool.openssl(["genpkey", "-algorithm", "ed25519", "-out", name], in: directory)
        return path(name)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
