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

