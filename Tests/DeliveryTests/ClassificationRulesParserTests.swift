import Delivery
import SMTP
import Testing

struct ClassificationRulesParserTests {
    @Test func parsesHeaderAndConditions() throws {
        let text = """
            # comment
            rule gmail-daily-quota -> throttle
                stage    mail, rcpt dot
                code     550 5xx
                enhanced 5.4.5 5.7.* none
                text     daily (user )?sending limit # not a comment

            rule anything -> Transient
            """
        let set = try ClassificationRuleSet(parsing: text, fileName: "test.rules")
        #expect(set.rules.count == 2)
        let rule = try #require(set.rules.first)
        #expect(rule.name == "gmail-daily-quota")
        #expect(rule.result == .throttle)
        #expect(rule.stages == [.mail, .rcpt, .dot])
        #expect(rule.codes?.map(\.description) == ["550", "5xx"])
        #expect(rule.enhancedCodes?.map(\.description) == ["5.4.5", "5.7.*", "none"])
        #expect(rule.text?.source == "daily (user )?sending limit # not a comment")
        #expect(rule.location == "test.rules:2")
        let catchAll = try #require(set.rules.last)
        #expect(catchAll.result == .transient)
        #expect(catchAll.stages == nil && catchAll.codes == nil && catchAll.enhancedCodes == nil && catchAll.text == nil)
        #expect(catchAll.line == 8)
    }

    @Test func crlfLineEndingsAndEmptyFiles() throws {
        let set = try ClassificationRuleSet(parsing: "rule a -> bounce\r\n  code 550\r\n", fileName: "crlf.rules")
        #expect(set.rules.first?.codes?.map(\.description) == ["550"])
        #expect(try ClassificationRuleSet(parsing: "# only comments\n\n", fileName: "empty.rules").rules.isEmpty)
    }

    @Test func greetingIsStoredAsConnect() throws {
        let set = try ClassificationRuleSet(parsing: "rule g -> reject\n stage greeting\n", fileName: "t")
        #expect(set.rules.first?.stages == [.connect])
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var text: String
        var line: Int
        var problem: ClassificationRulesError.Problem
        var testDescription: String { "\(problem)" }
    }

    static let badInputs: [BadInput] = [
        BadInput(text: "rule a -> bounce\n  colour red\n", line: 2, problem: .unknownKeyword("colour")),
        BadInput(text: "# header\n  code 550\n", line: 2, problem: .conditionOutsideRule(keyword: "code")),
        BadInput(text: "rule missing-arrow bounce\n", line: 1, problem: .malformedRuleHeader("rule missing-arrow bounce")),
        BadInput(text: "rule -> bounce\n", line: 1, problem: .malformedRuleHeader("rule -> bounce")),
        BadInput(text: "rule two words -> bounce\n", line: 1, problem: .invalidRuleName("two words")),
        BadInput(text: "rule a -> bounce\n\nrule a -> reject\n", line: 3, problem: .duplicateRuleName("a", firstLine: 1)),
        BadInput(text: "\n\nrule a -> bounced\n", line: 3, problem: .unknownClass("bounced")),
        BadInput(text: "rule a -> bounce\n  stage rcpt, sending\n", line: 2, problem: .unknownStage("sending")),
        BadInput(text: "rule a -> bounce\n  code 5x\n", line: 2, problem: .invalidCodePattern("5x")),
        BadInput(text: "rule a -> bounce\n  code 650\n", line: 2, problem: .invalidCodePattern("650")),
        BadInput(text: "rule a -> bounce\n  enhanced 5.7\n", line: 2, problem: .invalidEnhancedCodePattern("5.7")),
        BadInput(text: "rule a -> bounce\n  enhanced 5.*.1\n", line: 2, problem: .invalidEnhancedCodePattern("5.*.1")),
        BadInput(text: "rule a -> bounce\n  enhanced 3.1.1\n", line: 2, problem: .invalidEnhancedCodePattern("3.1.1")),
        BadInput(text: "rule a -> bounce\n  code 550\n  code 551\n", line: 3, problem: .duplicateCondition(keyword: "code")),
        BadInput(text: "rule a -> bounce\n  stage\n", line: 2, problem: .emptyCondition(keyword: "stage")),
    ]

    @Test(arguments: badInputs)
    func reportsTheLineAndTheProblem(_ input: BadInput) {
        #expect(throws: ClassificationRulesError(file: "ops.rules", line: input.line, problem: input.problem)) {
            _ = try ClassificationRuleSet(parsing: input.text, fileName: "ops.rules")
        }
    }

    @Test func invalidRegexReportsItsLine() {
        do {
            _ = try ClassificationRuleSet(parsing: "rule a -> bounce\n  code 5xx\n  text user (unknown\n", fileName: "ops.rules")
            Issue.record("an unbalanced parenthesis must not parse")
        } catch {
            #expect(error.line == 3)
            guard case .invalidTextPattern(let pattern, _) = error.problem else {
                Issue.record("unexpected problem \(error.problem)")
                return
            }
            #expect(pattern == "user (unknown")
        }
    }

    @Test func messagesNameFileLineAndWhatWasExpected() {
        let error = ClassificationRulesError(file: "overrides.rules", line: 12, problem: .unknownClass("bounced"))
        #expect(error.description == #"overrides.rules:12: unknown class "bounced"; expected one of success, transient, throttle, bounce, reject, account"#)
    }
}
