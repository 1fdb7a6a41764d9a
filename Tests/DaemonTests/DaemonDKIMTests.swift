import Foundation
import SMTPServer
import Testing
import TestSupport

/// The daemon's signing path end to end: an account with `dkim_*` keys (made by
/// `mailctl dkim-keygen`), messages sent through maild to the relay, and every received copy
/// checked by dkimpy against the record `mailctl dkim-record` prints.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonDKIMTests {
    @Test(arguments: ["rsa", "ed25519"])
    func everyMessageMaildSendsVerifiesWithDkimpy(_ algorithm: String) async throws {
        let harness = try await DaemonHarness(concurrency: 1)
        defer { Task { await harness.stop() } }
        let keyFile = harness.directory.appendingPathComponent("dkim-\(algorithm).pem").path
        let keygen = try Self.run(DaemonHarness.binary("mailctl").path, ["dkim-keygen", "--algorithm", algorithm, "--out", keyFile, "--selector", "s2026", "--domain", "example.org"])
        #expect(keygen.status == 0, "\(keygen.output)")
        try harness.addToAccount("dkim_domain = example.org\ndkim_selector = s2026\ndkim_key_file = \(keyFile)")
        try await harness.startDaemon()
        let jobID = try await harness.submit(try harness.writeCampaign(count: 3))
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.standardOutput.contains("completed: 3 sent, 0 failed"), "\(watch.standardOutput)\(harness.daemonLog)")

        let record = try Self.run(DaemonHarness.binary("mailctl").path, ["dkim-record", "--key", keyFile, "--selector", "s2026", "--domain", "example.org"])
        let fields = Dictionary(record.output.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }, uniquingKeysWith: { first, _ in first })
        let name = try #require(fields["name"], "\(record.output)")
        let value = try #require(fields["value"], "\(record.output)")
        let recordFile = harness.directory.appendingPathComponent("record.txt")
        try Data(value.utf8).write(to: recordFile)

        let messages = harness.relay.messages
        #expect(messages.count == 3)
        var paths: [String] = []
        for (index, message) in messages.enumerated() {
            let text = String(decoding: message.data, as: UTF8.self)
            #expect(text.hasPrefix("DKIM-Signature:"), "the signature is the first header field")
            let path = harness.directory.appendingPathComponent("received-\(index).eml").path
            try Data(message.data).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        // A copy altered in transit must fail, so that a pass means something.
        var altered = messages[0].data
        if let range = String(decoding: altered, as: UTF8.self).range(of: "Hello") {
            let offset = String(decoding: altered, as: UTF8.self).utf8.distance(from: String(decoding: altered, as: UTF8.self).startIndex, to: range.lowerBound)
            altered[offset] = UInt8(ascii: "J")
        }
        let alteredPath = harness.directory.appendingPathComponent("altered.eml").path
        try Data(altered).write(to: URL(fileURLWithPath: alteredPath))

        let verifier = RepositoryPaths.root.appendingPathComponent("Tests/DKIMTests/verify_dkim.py").path
        let verdicts = try Self.run("/usr/bin/env", ["python3", verifier, recordFile.path, name] + paths + [alteredPath]).output
        for path in paths {
            #expect(verdicts.contains("\(path)\tpass"), "\(verdicts)")
        }
        #expect(verdicts.contains("\(alteredPath)\tfail"), "\(verdicts)")
    }

    /// Runs a command that needs no daemon; standard output and error together.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
