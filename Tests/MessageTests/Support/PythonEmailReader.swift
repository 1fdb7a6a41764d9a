import Foundation
import TestSupport

/// Runs Tests/Interop/email_parse_messages.py (Python's email package) over messages and returns
/// what it decoded, keyed by file name (`000.eml`...).
enum PythonEmailReader {
    static func parse(_ messages: [[UInt8]]) throws -> [[String: Any]] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-compose-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, bytes) in messages.enumerated() {
            try Data(bytes).write(to: directory.appendingPathComponent(String(format: "%03d.eml", index)))
        }
        let output = directory.appendingPathComponent("results.json")
        let log = directory.appendingPathComponent("python.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = RepositoryPaths.root.appendingPathComponent("Tests/Interop/email_parse_messages.py").path
        process.arguments = ["python3", script, directory.path, output.path]
        // Files, not pipes: Foundation's pipe reading can trap on EINTR under parallel tests.
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: output.path),
              let results = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw TestSupportError("python3 failed (status \(process.terminationStatus)): \(text)")
        }
        return try messages.indices.map { index in
            guard let result = results[String(format: "%03d.eml", index)] as? [String: Any] else {
                throw TestSupportError("Python did not report message \(index)")
            }
            return result
        }
    }
}
