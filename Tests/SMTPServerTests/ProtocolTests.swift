import SMTP
import SMTPServer
import Testing

/// The server over real loopback TCP, driven byte for byte by ``RawSMTPClient``.
struct ProtocolTests {
    @Test func greetsAndListsExtensions() async throws {
        var configuration = SMTPServerConfiguration(hostname: "mx.example.test", maximumMessageSize: 12345)
        configuration.extensions.chunking = true
        configuration.authentication = ServerAuthentication(mechanisms: [.plain, .cramMD5], passwords: ["u": "p"])
        try await withServer(configuration) { _, port in
            let client = try await RawSMTPClient.connect(port: port)
            let greeting = try await client.readReply()
            #expect(greeting.code == 220)
            #expect(greeting.text.hasPrefix("mx.example.test ESMTP"))
            let ehlo = try await client.command("EHLO client.test")
            #expect(ehlo.code == 250)
            #expect(ehlo.lines == ["mx.example.test greets client.test", "PIPELINING", "SIZE 12345", "8BITMIME", "SMTPUTF8",
                                   "ENHANCEDSTATUSCODES", "CHUNKING", "AUTH PLAIN CRAM-MD5"])
            #expect(try await client.command("QUIT").code == 221)
            #expect(await client.waitForClose())
        }
    }

    @Test func plainServerWithoutExtensionsOrEnhancedCodes() async throws {
        let configuration = SMTPServerConfiguration(extensions: .none)
        try await withServer(configuration) { _, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            #expect(try await client.command("EHLO c").lines == ["mx.test.invalid greets c"])
            let mail = try await client.command("MAIL FROM:<a@x> SIZE=10")
            #expect(mail.code == 555)
            #expect(mail.enhancedCode == nil)
            #expect(try await client.command("MAIL FROM:<a@x>").code == 250)
            await client.close()
        }
    }

    @Test func commandsAreCaseInsensitiveAndHELOWorks() async throws {
        try await withServer { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            let helo = try await client.command("helo old.client")
            #expect(helo.code == 250 && helo.lines == ["mx.test.invalid"])
            #expect(try await client.command("mail from:<a@x>").code == 250)
            #expect(try await client.command("Rcpt To:<b@y>").code == 250)
            #expect(try await client.command("data").code == 354)
            try await client.send("Subject: hi\r\n\r\nbody\r\n.\r\n")
            #expect(try await client.readReply().code == 250)
            let messages = try await server.waitForMessages(count: 1)
            #expect(messages[0].clientName == "old.client")
            #expect(server.commands.map(\.verb) == ["HELO", "MAIL", "RCPT", "DATA", "."])
            await client.close()
        }
    }

    @Test func pipelinedCommandsInOneWriteAreAnsweredInOrder() async throws {
        try await withServer { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            try await client.send("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<nobody>\r\nRCPT TO:<c@y>\r\nDATA\r\n")
            let replies = try await client.readReplies(6)
            #expect(replies.map(\.code) == [250, 250, 250, 250, 250, 354])
            // The whole rest, message and QUIT included, in one more write.
            try await client.send("Subject: p\r\n\r\nline\r\n.\r\nNOOP\r\nQUIT\r\n")
            #expect(try await client.readReplies(3).map(\.code) == [250, 250, 221])
            #expect(await client.waitForClose())
            let message = try #require(server.messages.first)
            #expect(message.recipients == ["b@y", "nobody", "c@y"])
            #expect(message.text == "Subject: p\r\n\r\nline\r\n")
        }
    }

    @Test func everythingInOneWriteIncludingTwoMessages() async throws {
        try await withServer { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            let session = "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\none\r\n.\r\n"
                + "MAIL FROM:<a@x>\r\nRCPT TO:<c@y>\r\nDATA\r\ntwo\r\n.\r\nQUIT\r\n"
            try await client.send(session)
            #expect(try await client.readReplies(9).map(\.code) == [250, 250, 250, 354, 250, 250, 250, 354, 250])
            #expect(try await client.readReply().code == 221)
            let messages = try await server.waitForMessages(count: 2)
            #expect(messages.map(\.text) == ["one\r\n", "two\r\n"])
            #expect(messages.map(\.recipients) == [["b@y"], ["c@y"]])
        }
    }

    @Test func dotUnstuffingAndBareLFDotDoNotEndTheData() async throws {
        try await withServer { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            let wire = "..leading dot\r\n.\nsmuggled?\r\nbare\n.\nLF\r\n...\r\n.\r\n"
            let reply = try await client.sendMessage(from: "a@x", to: ["b@y"], data: wire)
            #expect(reply.code == 250)
            let message = try #require(try await server.waitForMessages(count: 1).first)
            #expect(message.text == ".leading dot\r\n\nsmuggled?\r\nbare\n.\nLF\r\n..\r\n")
            #expect(try await client.command("NOOP").code == 250)
            await client.close()
        }
    }

    @Test func bytesArePreservedExactly() async throws {
        try await withServer { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            let body: [UInt8] = Array("Subject: bin\r\n\r\n".utf8) + [0x00, 0xFF, 0xC3, 0xA9, 0x09, 0x0D, 0x41, 0x0D, 0x0A]
            _ = try await client.command("EHLO c")
            _ = try await client.command("MAIL FROM:<a@x> BODY=8BITMIME")
            _ = try await client.command("RCPT TO:<b@y>")
            #expect(try await client.command("DATA").code == 354)
            try await client.send(bytes: body + Array(".\r\n".utf8))
            #expect(try await client.readReply().code == 250)
            #expect(try await server.waitForMessages(count: 1)[0].data == body)
            await client.close()
        }
    }

    @Test func enforcesTheMessageSize() async throws {
        try await withServer(SMTPServerConfiguration(maximumMessageSize: 100)) { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            _ = try await client.command("EHLO c")
            let declared = try await client.command("MAIL FROM:<a@x> SIZE=101")
            #expect(declared.code == 552)
            #expect(declared.enhancedCode?.description == "5.3.4")
            let big = String(repeating: "x", count: 200) + "\r\n.\r\n"
            let reply = try await client.sendMessage(from: "a@x", to: ["b@y"], data: big, ehlo: false)
            #expect(reply.code == 552)
            #expect(reply.enhancedCode?.description == "5.3.4")
            // The session goes on, and a message that fits is accepted.
            #expect(try await client.sendMessage(from: "a@x", to: ["b@y"], data: "small\r\n.\r\n", ehlo: false).code == 250)
            #expect(try await server.waitForMessages(count: 1).map(\.text) == ["small\r\n"])
            await client.close()
        }
    }

    @Test func overlongLinesAreRefusedAndTheSessionContinues() async throws {
        try await withServer { _, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            let reply = try await client.command("NOOP " + String(repeating: "A", count: 5000))
            #expect(reply.code == 500)
            #expect(reply.enhancedCode?.description == "5.5.2")
            #expect(try await client.command("NOOP").code == 250)
            await client.close()
        }
    }

    @Test func sequenceErrorsAndSyntax() async throws {
        try await withServer { _, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            #expect(try await client.command("MAIL FROM:<a@x>").code == 503)  // before EHLO
            #expect(try await client.command("EHLO c").code == 250)
            #expect(try await client.command("RCPT TO:<b@y>").code == 503)
            #expect(try await client.command("DATA").code == 503)
            #expect(try await client.command("MAIL FROM:a@x").code == 501)
            #expect(try await client.command("MAIL FROM:<a@x>").code == 250)
            #expect(try await client.command("MAIL FROM:<a@x>").code == 503)
            #expect(try await client.command("DATA").code == 554)
            #expect(try await client.command("RCPT TO:<>").code == 501)
            #expect(try await client.command("RCPT TO:<b@y> NOTIFY=NEVER").code == 555)
            #expect(try await client.command("RCPT TO:<b\u{e9}@y>").code == 553)
            #expect(try await client.command("RSET").code == 250)
            #expect(try await client.command("RCPT TO:<b@y>").code == 503)
            #expect(try await client.command("MAIL FROM:<> SMTPUTF8").code == 250)
            #expect(try await client.command("RCPT TO:<b\u{e9}@y>").code == 250)
            #expect(try await client.command("XYZZY").code == 500)
            #expect(try await client.command("VRFY a").code == 252)
            #expect(try await client.command("STARTTLS").code == 502)
            #expect(try await client.command("AUTH PLAIN").code == 503)
            await client.close()
        }
    }

    @Test func maximumRecipients() async throws {
        try await withServer(SMTPServerConfiguration(maximumRecipients: 2)) { _, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            try await client.send("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<1@y>\r\nRCPT TO:<2@y>\r\nRCPT TO:<3@y>\r\n")
            let replies = try await client.readReplies(5)
            #expect(replies.map(\.code) == [250, 250, 250, 250, 452])
            #expect(replies[4].enhancedCode?.description == "4.5.3")
            await client.close()
        }
    }

    @Test func bdatChunks() async throws {
        var configuration = SMTPServerConfiguration()
        configuration.extensions.chunking = true
        try await withServer(configuration) { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            try await client.send("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 9\r\nline one\n")
            #expect(try await client.readReplies(4).map(\.code) == [250, 250, 250, 250])
            // A chunk holding "\r\n.\r\n" must not be taken for an end of data.
            try await client.send("BDAT 11 LAST\r\n.\r\n.\r\nend\r\nNOOP\r\n")
            #expect(try await client.readReplies(2).map(\.code) == [250, 250])
            let message = try #require(try await server.waitForMessages(count: 1).first)
            #expect(message.text == "line one\n.\r\n.\r\nend\r\n")
            #expect(message.usedBDAT)
            // A refused BDAT still has its chunk read, so the next command is understood.
            try await client.send("BDAT 5 LAST\r\nhello")
            #expect(try await client.readReply().code == 503)
            #expect(try await client.command("NOOP").code == 250)
            await client.close()
        }
    }

    @Test func ownEventLoopGroupStartsAndStops() async throws {
        let server = SMTPTestServer()
        let port = try await server.start()
        #expect(server.port == port)
        let client = try await RawSMTPClient.connectAndGreet(port: port)
        try await server.stop()
        #expect(await client.waitForClose())
        #expect(server.port == nil)
        await #expect(throws: SMTPServerError.self) { try await server.start() }
    }
}
