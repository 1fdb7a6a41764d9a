import SMTP
import SMTPServer
import Testing

/// The faults the SMTP client's tests inject, checked from the wire.
struct ScriptedFaultTests {
    @Test func rejectsOneRecipient() async throws {
        let script = ServerScript([ScriptRule(on: .rcpt, recipient: "bob@x", action: .reply(550, "5.1.1 No such user"))])
        try await withServer(SMTPServerConfiguration(script: script)) { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            try await client.send("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<alice@x>\r\nRCPT TO:<BOB@x>\r\nDATA\r\n")
            let replies = try await client.readReplies(5)
            #expect(replies.map(\.code) == [250, 250, 250, 550, 354])
            #expect(replies[3].enhancedCode?.description == "5.1.1")
            #expect(replies[3].text == "No such user")
            try await client.send("x\r\n.\r\n")
            #expect(try await client.readReply().code == 250)
            #expect(try await server.waitForMessages(count: 1)[0].recipients == ["alice@x"])
            await client.close()
        }
    }

    @Test func failsTheThirdMessageAtTheDotAndCloses() async throws {
        let script = ServerScript([ScriptRule(on: .dot, messages: .only(3), action: .replyAndClose(421, "4.3.2 Shutting down"))])
        try await withServer(SMTPServerConfiguration(script: script)) { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            #expect(try await client.sendMessage(from: "a@x", to: ["b@y"], data: "1\r\n.\r\n").code == 250)
            #expect(try await client.sendMessage(from: "a@x", to: ["b@y"], data: "2\r\n.\r\n", ehlo: false).code == 250)
            let third = try await client.sendMessage(from: "a@x", to: ["b@y"], data: "3\r\n.\r\n", ehlo: false)
            #expect(third.code == 421)
            #expect(await client.waitForClose())
            // The retry on a new connection is transaction 4 and goes through.
            let retry = try await RawSMTPClient.connectAndGreet(port: port)
            #expect(try await retry.sendMessage(from: "a@x", to: ["b@y"], data: "3\r\n.\r\n").code == 250)
            #expect(try await server.waitForMessages(count: 3).map(\.text) == ["1\r\n", "2\r\n", "3\r\n"])
            #expect(server.messages.map(\.transactionOrdinal) == [1, 2, 4])
            await retry.close()
        }
    }

    @Test func greylistsTheFirstTwoAttempts() async throws {
        let script = ServerScript([ScriptRule(on: .rcpt, occurrences: .first(2), action: .reply(452, "4.2.0 Greylisted, try later"))])
        try await withServer(SMTPServerConfiguration(script: script)) { _, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            _ = try await client.command("EHLO c")
            _ = try await client.command("MAIL FROM:<a@x>")
            #expect(try await client.command("RCPT TO:<b@y>").code == 452)
            #expect(try await client.command("RCPT TO:<b@y>").code == 452)
            #expect(try await client.command("RCPT TO:<b@y>").code == 250)
            await client.close()
        }
    }

    @Test func stallsBeforeReplying() async throws {
        let script = ServerScript([ScriptRule(on: .mail, action: ServerAction.standard.delayed(by: .milliseconds(400)))])
        try await withServer(SMTPServerConfiguration(script: script)) { _, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            _ = try await client.command("EHLO c")
            let clock = ContinuousClock()
            let start = clock.now
            // The pipelined RCPT waits behind the stalled MAIL; replies stay in order.
            try await client.send("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n")
            let replies = try await client.readReplies(2)
            #expect(clock.now - start >= .milliseconds(400))
            #expect(replies.map(\.code) == [250, 250])
            #expect(replies.map { $0.enhancedCode?.description } == ["2.1.0", "2.1.5"])
            await client.close()
        }
    }

    @Test func dropsTheConnectionWithoutReply() async throws {
        let script = ServerScript([ScriptRule(on: .data, action: .drop)])
        try await withServer(SMTPServerConfiguration(script: script)) { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            try await client.send("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n")
            _ = try await client.readReplies(3)
            let before = client.receivedText
            try await client.send("DATA\r\n")
            #expect(await client.waitForClose())
            #expect(client.receivedText == before)
            let record = try await server.waitForConnectionsToClose()
            #expect(record.commands.last?.verb == "DATA")
            #expect(record.commands.last?.reply == nil)
        }
    }

    @Test func silentGreeting() async throws {
        let script = ServerScript([ScriptRule(on: .greeting, connections: .only(1), action: .silence)])
        try await withServer(SMTPServerConfiguration(script: script)) { _, port in
            let silent = try await RawSMTPClient.connect(port: port)
            #expect(await silent.staysSilent(for: .milliseconds(300)))
            // Commands get no answer either.
            try await silent.send("EHLO c\r\n")
            #expect(await silent.staysSilent(for: .milliseconds(200)))
            // The second connection is greeted normally.
            let normal = try await RawSMTPClient.connectAndGreet(port: port)
            await normal.close()
            await silent.close()
        }
    }

    @Test func refusedGreetingWaitsForQuit() async throws {
        let script = ServerScript([ScriptRule(on: .greeting, action: .reply(554, "5.3.2 No SMTP service here"))])
        try await withServer(SMTPServerConfiguration(script: script)) { _, port in
            let client = try await RawSMTPClient.connect(port: port)
            #expect(try await client.readReply().code == 554)
            #expect(try await client.command("EHLO c").code == 503)
            #expect(try await client.command("QUIT").code == 221)
            #expect(await client.waitForClose())
        }
    }

    @Test func multiLineReplySentByteByByte() async throws {
        let reply = ServerAction.reply(550, "5.7.1 Message rejected\n5.7.1 See https://example.test/policy")
            .sentByteByByte(interval: .milliseconds(1))
        let script = ServerScript([ScriptRule(on: .mail, action: reply)])
        try await withServer(SMTPServerConfiguration(script: script)) { _, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            _ = try await client.command("EHLO c")
            let rejected = try await client.command("MAIL FROM:<a@x>")
            #expect(rejected.code == 550)
            #expect(rejected.lines == ["Message rejected", "See https://example.test/policy"])
            #expect(client.receivedText.hasSuffix("550-5.7.1 Message rejected\r\n550 5.7.1 See https://example.test/policy\r\n"))
            // A scripted rejection has no effect: there is no transaction.
            #expect(try await client.command("RCPT TO:<b@y>").code == 503)
            await client.close()
        }
    }

    @Test func rawGarbageAndOverlongLines() async throws {
        let garbage = String(repeating: "Z", count: 10_000) + "\r\n"
        let script = ServerScript([
            ScriptRule(on: .ehlo, action: .raw("HTTP/1.1 400 Bad Request\r\n")),
            ScriptRule(on: .noop, action: .raw(garbage)),
        ])
        try await withServer(SMTPServerConfiguration(script: script)) { _, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            let before = client.receivedText.utf8.count
            try await client.send("EHLO c\r\n")
            let raw = try await client.readRaw(atLeast: before + 26)
            #expect(String(decoding: raw, as: UTF8.self).hasSuffix("HTTP/1.1 400 Bad Request\r\n"))
            try await client.send("NOOP\r\n")
            let all = try await client.readRaw(atLeast: raw.count + garbage.utf8.count)
            #expect(all.count == raw.count + garbage.utf8.count)
            await client.close()
        }
    }

    @Test func scriptCanBeReplacedWhileRunning() async throws {
        try await withServer { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            #expect(try await client.command("NOOP").code == 250)
            server.replaceScript(ServerScript([ScriptRule(on: .noop, action: .reply(421, "4.4.2 Idle too long").closing())]))
            #expect(try await client.command("NOOP").code == 421)
            #expect(await client.waitForClose())
        }
    }

    @Test func droppedReplyAfterTheDotStillKeepsTheMessage() async throws {
        let script = ServerScript([ScriptRule(on: .dot, action: .drop)])
        try await withServer(SMTPServerConfiguration(script: script)) { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            try await client.send("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n")
            _ = try await client.readReplies(4)
            try await client.send("lost reply\r\n.\r\n")
            #expect(await client.waitForClose())
            #expect(try await server.waitForMessages(count: 1)[0].text == "lost reply\r\n")
        }
    }
}
