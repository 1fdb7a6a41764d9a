import SMTP
import Testing
@testable import SMTPServer

struct ScriptTests {
    @Test func ordinals() {
        #expect(Ordinals.only(3).contains(3))
        #expect(!Ordinals.only(3).contains(2))
        #expect(Ordinals.first(2).contains(1) && Ordinals.first(2).contains(2) && !Ordinals.first(2).contains(3))
        #expect(Ordinals.from(4).contains(400) && !Ordinals.from(4).contains(3))
        #expect(Ordinals(2...3).contains(2) && !Ordinals(2...3).contains(4))
    }

    @Test func replyTextParsesEnhancedCodesAndLines() {
        let reply = ReplyText.parse(code: 550, text: "5.1.1 No such user\n5.1.1 Check the address")
        #expect(reply.code == 550)
        #expect(reply.enhancedCode == EnhancedStatusCode(statusClass: 5, subject: 1, detail: 1))
        #expect(reply.lines == ["No such user", "Check the address"])
        #expect(String(decoding: ReplyText.encode(reply), as: UTF8.self) == "550-5.1.1 No such user\r\n550 5.1.1 Check the address\r\n")
        let plain = ReplyText.parse(code: 421, text: "Service not available")
        #expect(plain.enhancedCode == nil)
        #expect(String(decoding: ReplyText.encode(plain), as: UTF8.self) == "421 Service not available\r\n")
    }

    @Test func encodingNeverLetsALineBreakTheFraming() {
        let reply = SMTPReply(code: 250, lines: ["ok\r\n250 injected"])
        #expect(String(decoding: ReplyText.encode(reply), as: UTF8.self) == "250 ok250 injected\r\n")
    }

    @Test func greylistingCountsEveryMatch() {
        var engine = ScriptEngine(script: ServerScript([
            ScriptRule(on: .rcpt, recipient: "bob@example.com", occurrences: .first(2), action: .reply(452, "4.2.0 Greylisted")),
        ]))
        let bob = ScriptEvent(stage: .rcpt, connectionOrdinal: 1, messageOrdinal: 1, recipient: "Bob@Example.com")
        let alice = ScriptEvent(stage: .rcpt, connectionOrdinal: 1, messageOrdinal: 1, recipient: "alice@example.com")
        #expect(engine.decide(alice) == nil)
        #expect(engine.decide(bob)?.response == .reply(ReplyText.parse(code: 452, text: "4.2.0 Greylisted")))
        #expect(engine.decide(bob) != nil)
        #expect(engine.decide(bob) == nil)
    }

    @Test func firstApplicableRuleWinsButAllCount() {
        var engine = ScriptEngine(script: ServerScript([
            ScriptRule(on: .dot, occurrences: .only(1), action: .reply(451, "4.3.0 First")),
            ScriptRule(on: .dot, occurrences: .only(2), action: .reply(452, "4.3.1 Second")),
        ]))
        let dot = ScriptEvent(stage: .dot, connectionOrdinal: 1, messageOrdinal: 1)
        #expect(engine.decide(dot)?.response == .reply(ReplyText.parse(code: 451, text: "4.3.0 First")))
        #expect(engine.decide(dot)?.response == .reply(ReplyText.parse(code: 452, text: "4.3.1 Second")))
        #expect(engine.decide(dot) == nil)
    }

    @Test func conditionsOnMessagesConnectionsAndGreeting() {
        let rule = ScriptRule(on: .connect, connections: .only(2), action: .silence)
        #expect(!rule.matchesConditions(of: ScriptEvent(stage: .greeting, connectionOrdinal: 1)))
        #expect(rule.matchesConditions(of: ScriptEvent(stage: .greeting, connectionOrdinal: 2)))
        let third = ScriptRule(on: .dot, messages: .only(3), action: .drop)
        #expect(third.matchesConditions(of: ScriptEvent(stage: .dot, connectionOrdinal: 9, messageOrdinal: 3)))
        #expect(!third.matchesConditions(of: ScriptEvent(stage: .dot, connectionOrdinal: 9, messageOrdinal: 2)))
        #expect(!third.matchesConditions(of: ScriptEvent(stage: .rcpt, connectionOrdinal: 9, messageOrdinal: 3)))
        let toCarol = ScriptRule(on: .dot, recipient: "carol@x", action: .drop)
        #expect(toCarol.matchesConditions(of: ScriptEvent(stage: .dot, connectionOrdinal: 1, transactionRecipients: ["a@x", "carol@x"])))
        #expect(!toCarol.matchesConditions(of: ScriptEvent(stage: .dot, connectionOrdinal: 1, transactionRecipients: ["a@x"])))
    }

    @Test func actionModifiersCompose() {
        let action = ServerAction.reply(421, "4.7.0 Bye").delayed(by: .milliseconds(50)).sentByteByByte().closing()
        #expect(action.delay == .milliseconds(50))
        #expect(action.byteInterval == .zero)
        #expect(action.afterwards == .close)
        #expect(ServerAction.drop.afterwards == .close && ServerAction.drop.response == .nothing)
        #expect(ServerAction.silence.afterwards == .hang)
    }
}
