import SMTP
import SMTPServer
import Testing

struct RecordTests {
    @Test func recordsTransactionsAndCommandsPerConnection() async throws {
        try await withServer { server, port in
            let first = try await RawSMTPClient.connectAndGreet(port: port)
            let second = try await RawSMTPClient.connectAndGreet(port: port)
            #expect(try await first.sendMessage(from: "one@x", to: ["a@y", "b@y"], data: "first\r\n.\r\n").code == 250)
            #expect(try await second.sendMessage(from: "", to: ["c@y"], data: "bounce\r\n.\r\n").code == 250)
            _ = try await first.command("QUIT")
            _ = try await second.command("QUIT")
            let record = try await server.waitForConnectionsToClose()
            #expect(record.connectionsAccepted == 2)
            #expect(record.messagesAccepted == 2)
            let messages = record.messages
            #expect(messages.map(\.ordinal) == [1, 2])
            #expect(messages.map(\.connectionID) == [1, 2])
            #expect(messages[0].mailFrom == "one@x" && messages[0].recipients == ["a@y", "b@y"])
            #expect(messages[1].mailFrom == "" && messages[1].recipients == ["c@y"])
            #expect(messages.allSatisfy { !$0.tlsActive && $0.authenticatedUser == nil && $0.clientName == "client.test" })
            let firstCommands = record.commands(onConnection: 1)
            #expect(firstCommands.map(\.verb) == ["EHLO", "MAIL", "RCPT", "RCPT", "DATA", ".", "QUIT"])
            #expect(firstCommands[1].arguments == "FROM:<one@x>")
            #expect(firstCommands.map { $0.reply?.code } == [250, 250, 250, 250, 354, 250, 221])
            #expect(firstCommands[5].arguments == "7 octets")
        }
    }

    @Test func waitingTimesOutWithTheRecordInTheError() async throws {
        try await withServer { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            _ = try await client.command("NOOP")
            do {
                try await server.waitForMessages(count: 1, timeout: .milliseconds(100))
                Issue.record("expected a timeout")
            } catch let error as SMTPServerError {
                guard case .timedOut(_, _, let record) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(record.commands.map(\.verb) == ["NOOP"])
                #expect("\(error)".contains("NOOP"))
            }
            await client.close()
        }
    }

    @Test func waitingReturnsAtOnceWhenTheConditionAlreadyHolds() async throws {
        try await withServer { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            _ = try await client.sendMessage(from: "a@x", to: ["b@y"], data: "m\r\n.\r\n")
            _ = try await server.waitForMessages(count: 1)
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await server.waitForMessages(count: 1, timeout: .seconds(5)).count == 1)
            #expect(clock.now - start < .seconds(1))
            await client.close()
        }
    }

    @Test func recordLimitKeepsTheNewest() async throws {
        try await withServer(SMTPServerConfiguration(recordLimit: 2)) { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            for index in 1...3 {
                _ = try await client.sendMessage(from: "a@x", to: ["b@y"], data: "\(index)\r\n.\r\n", ehlo: index == 1)
            }
            let record = try await server.waitUntil("3 messages") { $0.messagesAccepted == 3 }
            #expect(record.messages.map(\.text) == ["2\r\n", "3\r\n"])
            #expect(record.messages.map(\.ordinal) == [2, 3])
            #expect(record.commands.count == 2)
            await client.close()
        }
    }
}
