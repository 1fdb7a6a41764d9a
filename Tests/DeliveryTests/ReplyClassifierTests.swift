import Delivery
import SMTP
import Testing

struct ReplyClassifierTests {
    private func reply(_ line: String) throws -> SMTPReply {
        try #require(SMTPReply(singleLine: line), "unparsable test reply \(line)")
    }

    @Test func overridesComeBeforeTheDefaults() throws {
        // An operator's relay says 5.7.1 for a full outbound queue; waiting fixes it.
        let overrides = try ClassificationRuleSet(parsing: """
            rule acme-relay-queue-full -> throttle
                stage    rcpt
                enhanced 5.7.1
                text     outbound queue full
            """, fileName: "overrides.rules")
        let classifier = try ReplyClassifier(overrides: [overrides])
        let queueFull = try reply("550 5.7.1 outbound queue full, come back later")
        let overridden = classifier.classify(reply: queueFull, stage: .rcpt)
        #expect(overridden == Classification(replyClass: .throttle, rule: "acme-relay-queue-full", source: "overrides.rules:1"))
        #expect(ReplyClassifier.standard.classify(reply: queueFull, stage: .rcpt).replyClass == .reject)
        // Replies the override does not name still reach the defaults.
        let unknownUser = classifier.classify(reply: try reply("550 5.1.1 user unknown"), stage: .rcpt)
        #expect(unknownUser.replyClass == .bounce)
        #expect(unknownUser.source.hasPrefix("classification.rules:"))
    }

    @Test func ruleSetsAreTriedInOrder() throws {
        let first = try ClassificationRuleSet(parsing: "rule first -> reject\n code 550\n", fileName: "first.rules")
        let second = try ClassificationRuleSet(parsing: "rule second -> bounce\n code 550\n", fileName: "second.rules")
        let reply = try reply("550 no")
        #expect(ReplyClassifier(ruleSets: [first, second]).classify(reply: reply, stage: .rcpt).rule == "first")
        #expect(ReplyClassifier(ruleSets: [second, first]).classify(reply: reply, stage: .rcpt).rule == "second")
    }

    @Test func stagesFilterRules() throws {
        let set = try ClassificationRuleSet(parsing: """
            rule at-rcpt -> bounce
                stage rcpt
                code  550
            rule elsewhere -> reject
                code  550
            """, fileName: "t.rules")
        let classifier = ReplyClassifier(ruleSets: [set])
        let reply = try reply("550 mailbox unavailable")
        #expect(classifier.classify(reply: reply, stage: .rcpt).rule == "at-rcpt")
        #expect(classifier.classify(reply: reply, stage: .mail).rule == "elsewhere")
        #expect(classifier.classify(reply: reply, stage: .dot).rule == "elsewhere")
    }

    @Test(arguments: [SMTPStage.connect, .greeting])
    func greetingAndConnectAreOneStage(stage: SMTPStage) throws {
        let set = try ClassificationRuleSet(parsing: "rule refused-greeting -> reject\n stage connect\n code 554\n", fileName: "t.rules")
        #expect(ReplyClassifier(ruleSets: [set]).classify(reply: try reply("554 go away"), stage: stage).rule == "refused-greeting")
        let blocked = try reply("554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using bl.spamcop.net")
        #expect(ReplyClassifier.standard.classify(reply: blocked, stage: stage).replyClass == .reject)
    }

    @Test func allConditionsMustHold() throws {
        let set = try ClassificationRuleSet(parsing: """
            rule specific -> throttle
                code     4xx
                enhanced 4.7.*
                text     slow
            """, fileName: "t.rules")
        let classifier = ReplyClassifier(ruleSets: [set])
        #expect(classifier.classify(reply: try reply("451 4.7.1 SLOW down"), stage: .rcpt).rule == "specific")
        #expect(classifier.classify(reply: try reply("451 4.3.0 slow down"), stage: .rcpt).rule == ReplyClassifier.lastResortRule)
        #expect(classifier.classify(reply: try reply("451 4.7.1 go away"), stage: .rcpt).rule == ReplyClassifier.lastResortRule)
        #expect(classifier.classify(reply: try reply("551 5.7.1 slow"), stage: .rcpt).rule == ReplyClassifier.lastResortRule)
    }

    @Test func enhancedNoneMatchesOnlyRepliesWithoutOne() throws {
        let set = try ClassificationRuleSet(parsing: "rule bare -> bounce\n enhanced none\n", fileName: "t.rules")
        let classifier = ReplyClassifier(ruleSets: [set])
        #expect(classifier.classify(reply: try reply("550 no such user"), stage: .rcpt).rule == "bare")
        #expect(classifier.classify(reply: try reply("550 5.1.1 no such user"), stage: .rcpt).rule != "bare")
    }

    /// Without any rule the first digit still gives a safe answer.
    @Test(arguments: [
        ("250 ok", SMTPStage.rcpt, ReplyClass.success),
        ("354 go", .data, .success),
        ("334 VXNlcm5hbWU6", .auth, .success),
        ("354 go", .rcpt, .transient),
        ("450 later", .rcpt, .transient),
        ("550 no", .rcpt, .bounce),
        ("550 no", .dot, .reject),
        ("199 odd", .rcpt, .transient),
    ])
    func lastResortByFirstDigit(line: String, stage: SMTPStage, expected: ReplyClass) throws {
        let result = ReplyClassifier(ruleSets: []).classify(reply: try reply(line), stage: stage)
        #expect(result == Classification(replyClass: expected, rule: ReplyClassifier.lastResortRule, source: "built-in"))
    }
}
