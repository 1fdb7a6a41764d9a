import Foundation
import SMTP
import Testing
@testable import SMTPServer

struct MaildirSinkTests {
    private func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("maild-sink-\(UUID().uuidString)")
    }

    @Test func writesByteExactMessagesWithEnvelopeSidecars() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = SMTPServerConfiguration(maildir: MaildirSink(directory: directory))
        try await withServer(configuration) { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            let first = "Subject: one\r\n\r\n..dotted\r\nbare\nLF\r\n.\r\n"
            #expect(try await client.sendMessage(from: "a@x", to: ["b@y", "c@y"], data: first).code == 250)
            #expect(try await client.sendMessage(from: "a@x", to: ["d@y"], data: "Subject: two\r\n\r\nx\r\n.\r\n", ehlo: false).code == 250)
            _ = try await server.waitForMessages(count: 2)
            await client.close()
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names.count == 4)
        #expect(names.allSatisfy { !$0.hasPrefix(".") })
        let messages = names.filter { $0.hasSuffix(".eml") }
        #expect(messages.count == 2)
        let pattern = /^\d{8}T\d{6}\.\d{3}Z-\d{6}\.eml$/
        #expect(messages.allSatisfy { $0.wholeMatch(of: pattern) != nil })
        #expect(messages[0].hasSuffix("-000001.eml") && messages[1].hasSuffix("-000002.eml"))

        let firstData = try Data(contentsOf: directory.appendingPathComponent(messages[0]))
        #expect(Array(firstData) == Array("Subject: one\r\n\r\n.dotted\r\nbare\nLF\r\n".utf8))

        let envelopeName = messages[0].replacingOccurrences(of: ".eml", with: ".envelope.json")
        let envelopeData = try Data(contentsOf: directory.appendingPathComponent(envelopeName))
        let envelope = try #require(try JSONSerialization.jsonObject(with: envelopeData) as? [String: Any])
        #expect(envelope["mail_from"] as? String == "a@x")
        #expect(envelope["recipients"] as? [String] == ["b@y", "c@y"])
        #expect(envelope["connection_id"] as? Int == 1)
        #expect(envelope["size"] as? Int == firstData.count)
    }

    @Test func withoutEnvelopeOnlyMessagesAppear() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = SMTPServerConfiguration(maildir: MaildirSink(directory: directory, writesEnvelope: false))
        try await withServer(configuration) { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            _ = try await client.sendMessage(from: "a@x", to: ["b@y"], data: "m\r\n.\r\n")
            _ = try await server.waitForMessages(count: 1)
            await client.close()
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names.count == 1 && names[0].hasSuffix(".eml"))
    }

    @Test func aNameAlreadyTakenIsNotOverwritten() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sink = MaildirSink(directory: directory)
        let date = Date(timeIntervalSince1970: 1_700_000_000.25)
        func message(_ text: String) -> ReceivedMessage {
            ReceivedMessage(ordinal: 1, transactionOrdinal: 1, connectionID: 1, mailFrom: "a@x", mailParameters: [],
                            recipients: ["b@y"], data: Array(text.utf8), tls: nil, authenticatedUser: nil, clientName: nil,
                            usedBDAT: false, receivedAt: date)
        }
        // Two servers sharing a directory both count from 1 and may write in the same millisecond.
        let first = try sink.write(message("first"), counter: 1)
        let second = try sink.write(message("second"), counter: 1)
        #expect(first.lastPathComponent == "20231114T221320.250Z-000001.eml")
        #expect(second.lastPathComponent == "20231114T221320.250Z-000001-1.eml")
        #expect(try String(contentsOf: first, encoding: .utf8) == "first")
        #expect(try String(contentsOf: second, encoding: .utf8) == "second")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["20231114T221320.250Z-000001-1.eml", "20231114T221320.250Z-000001-1.envelope.json",
                          "20231114T221320.250Z-000001.eml", "20231114T221320.250Z-000001.envelope.json"])
    }

    @Test func unwritableDirectoryGivesA451() async throws {
        let file = temporaryDirectory()
        try Data("not a directory".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = SMTPServerConfiguration(maildir: MaildirSink(directory: file))
        try await withServer(configuration) { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            let reply = try await client.sendMessage(from: "a@x", to: ["b@y"], data: "m\r\n.\r\n")
            #expect(reply.code == 451)
            #expect(reply.enhancedCode?.description == "4.3.0")
            #expect(server.record.messagesAccepted == 0)
            await client.close()
        }
    }
}
