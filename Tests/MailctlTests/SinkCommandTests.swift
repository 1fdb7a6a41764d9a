import Foundation
import SMTP
import Testing

/// `mailctl sink` as a separate process: messages arrive as .eml files, byte for byte.
@Suite(.timeLimit(.minutes(2)))
struct SinkCommandTests {
    @Test func storesEachMessageAsAnEmlFileAndStopsOnSIGTERM() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString)")
        let port = Int.random(in: 30_000...60_000)
        let process = Process()
        process.executableURL = MailctlProcess.binary
        process.arguments = ["sink", "--listen", "127.0.0.1:\(port)", "--maildir", directory.path]
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let banner = try await MailctlProcess.waitFor("listening on", in: outputFile)
        #expect(banner.contains("listening on 127.0.0.1:\(port)"))

        let configuration = SessionStateMachine.Configuration(clientName: "test.localhost", host: "127.0.0.1", port: port, tlsMode: .none)
        let connection = try await SMTPConnection.connect(configuration: configuration, tlsContext: nil)
        let bodies = ["Subject: one\r\n\r\n.leading dot\r\n", "Subject: two\n\nbare LF\n.\nend"]
        for body in bodies {
            let result = try await connection.send(OutgoingMessage(sender: "a@example.com", recipients: ["b@example.org"], data: Array(body.utf8)))
            #expect(result.acceptedCount == 1)
        }
        await connection.quit()

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".eml") }.sorted()
        #expect(files.count == 2)
        for (file, body) in zip(files, bodies) {
            let stored = try #require(FileManager.default.contents(atPath: directory.appendingPathComponent(file).path))
            #expect(Array(stored) == MessageDataEncoder.normalizeLineEndings(Array(body.utf8)))
        }
    }

    @Test func badListenAddressIsRefusedClearly() async throws {
        let output = try await MailctlProcess.run(["sink", "--listen", "nonsense", "--maildir", "/tmp/x"])
        #expect(output.status != 0)
        #expect(output.standardError.contains("--listen: nonsense is not HOST:PORT"))
    }
}
