import Foundation
import SMTP
import Testing
import TestSupport

/// Interop with a server no one here wrote: aiosmtpd (PyPI), with STARTTLS required and AUTH.
/// Every message it receives must be byte for byte what was sent, dot-stuffing undone.
@Suite(.serialized)
struct AiosmtpdInteropTests {
    final class AiosmtpdProcess {
        let process = Process()
        let input = Pipe()
        let port: Int
        let outputDirectory: URL

        init(certificates: TestCertificates, user: String, password: String) throws {
            port = try FreePort.pick()
            outputDirectory = certificates.directory.appendingPathComponent("aiosmtpd-\(port)")
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            let passwordFile = certificates.directory.appendingPathComponent("aiosmtpd.password")
            try password.write(to: passwordFile, atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", RepositoryPaths.root.appendingPathComponent("Tests/Interop/aiosmtpd_server.py").path,
                                 "--port", String(port), "--cert", certificates.serverCertificate, "--key", certificates.serverKey,
                                 "--out", outputDirectory.path, "--user", user, "--password-file", passwordFile.path]
            // Output through a file, not a pipe: Foundation's pipe reading can trap on EINTR.
            let outputFile = outputDirectory.appendingPathComponent("aiosmtpd.out")
            _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: outputFile)
            process.standardInput = input
            try process.run()
            var started = false
            for _ in 0..<500 where process.isRunning {
                if let text = try? String(contentsOf: outputFile, encoding: .utf8), text.hasPrefix("READY") {
                    started = true
                    break
                }
                usleep(20_000)
            }
            guard started else {
                process.terminate()
                throw TestSupportError("aiosmtpd did not start (is it installed? pip install aiosmtpd)")
            }
        }

        func receivedMessage(_ number: Int) async throws -> (data: [UInt8], envelope: [String: Any]) {
            let eml = outputDirectory.appendingPathComponent("\(number).eml")
            let json = outputDirectory.appendingPathComponent("\(number).json")
            for _ in 0..<200 {
                if let data = FileManager.default.contents(atPath: eml.path), let envelopeData = FileManager.default.contents(atPath: json.path),
                   let envelope = try JSONSerialization.jsonObject(with: envelopeData) as? [String: Any] {
                    return (Array(data), envelope)
                }
                try await Task.sleep(for: .milliseconds(25))
            }
            throw TestSupportError("aiosmtpd never stored message \(number)")
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.terminate()
            process.waitUntilExit()
        }
    }

    static let messages: [[UInt8]] = [
        Array("Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\n".utf8),
        Array("Subject: bare line feeds\n\nline one\n.\nline three without newline".utf8),
        Array(("Subject: long line\r\n\r\n" + String(repeating: "x", count: 990) + "\r\n").utf8),
        Array("Subject: =?UTF-8?B?w6k=?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e\r\n".utf8),
        Array("Subject: smuggling attempt\r\n\r\nbody\n.\nMAIL FROM:<evil@example.com>\r\n".utf8),
    ]

    @Test(.timeLimit(.minutes(2)))
    func everyMessageArrivesByteForByteOverSTARTTLSWithAuth() async throws {
        let certificates = try TestCertificates.make()
        let server = try AiosmtpdProcess(certificates: certificates, user: "alice", password: "s3cret pass")
        defer { server.stop() }

        let configuration = SessionStateMachine.Configuration(
            clientName: "client.localhost", host: "127.0.0.1", port: server.port, tlsMode: .startTLS,
            credentials: .password(username: "alice", password: "s3cret pass"), timeouts: SMTPTimeouts().capped(at: .seconds(20)))
        let connection = try await SMTPConnection.connect(configuration: configuration, tlsContext: try TLSContext.client(caFile: certificates.caFile))
        #expect(connection.session.tls?.peerVerified == true)
        #expect(connection.session.tls.map { ["TLSv1.2", "TLSv1.3"].contains($0.protocolVersion) } == true)
        #expect(connection.session.authenticatedWith != nil)

        for (index, data) in Self.messages.enumerated() {
            let recipients = ["bob@example.org", "carol@example.org"]
            let result = try await connection.send(OutgoingMessage(sender: "alice@example.com", recipients: recipients, data: data))
            #expect(result.acceptedCount == 2, "message \(index + 1): \(result)")
            #expect(result.finalReply?.text.contains("interop\(index + 1)") == true)
            let received = try await server.receivedMessage(index + 1)
            #expect(received.data == MessageDataEncoder.normalizeLineEndings(data), "message \(index + 1) differs")
            #expect(received.envelope["mail_from"] as? String == "alice@example.com")
            #expect(received.envelope["rcpt_tos"] as? [String] == recipients)
            #expect(received.envelope["tls"] as? Bool == true)
            #expect(received.envelope["authenticated"] as? Bool == true)
        }
        await connection.quit()
    }

    @Test(.timeLimit(.minutes(2)))
    func wrongPasswordIsAnAuthenticationFailureWithTheServersReply() async throws {
        let certificates = try TestCertificates.make()
        let server = try AiosmtpdProcess(certificates: certificates, user: "alice", password: "right")
        defer { server.stop() }
        let configuration = SessionStateMachine.Configuration(
            clientName: "client.localhost", host: "127.0.0.1", port: server.port, tlsMode: .startTLS,
            credentials: .password(username: "alice", password: "wrong-password"), timeouts: SMTPTimeouts().capped(at: .seconds(20)))
        let tlsContext = try TLSContext.client(caFile: certificates.caFile)
        do {
            _ = try await SMTPConnection.connect(configuration: configuration, tlsContext: tlsContext)
            Issue.record("AUTH with a wrong password succeeded")
        } catch {
            #expect(error.stage == .auth)
            #expect(error.reply?.code == 535)
            #expect(!error.description.contains("wrong-password"))
        }
    }
}
