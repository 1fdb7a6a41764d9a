import Delivery
import Foundation
import SMTP
import Testing

/// The rules operators read in `etc/` must be the rules the binary runs.
struct DefaultClassificationRulesTests {
    @Test func embeddedTextEqualsTheEtcFileByteForByte() throws {
        let file = try Data(contentsOf: DeliveryFixtures.defaultRules)
        let embedded = Data(DefaultClassificationRules.text.utf8)
        guard file != embedded else { return }
        let fileLines = String(decoding: file, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let embeddedLines = DefaultClassificationRules.text.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDifference = zip(fileLines, embeddedLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(fileLines.count, embeddedLines.count)
        Issue.record("""
            DefaultClassificationRules.text differs from etc/classification.rules from line \(firstDifference + 1) \
            (\(embeddedLines.count) embedded lines, \(fileLines.count) in the file): paste the file into \
            Sources/Delivery/DefaultClassificationRules.swift
            """)
    }

    @Test func defaultsParse() throws {
        let rules = try ClassificationRuleSet.builtInDefaults()
        #expect(rules.rules.count > 30)
        #expect(rules.rules.allSatisfy { $0.file == "classification.rules" && $0.line > 0 })
    }

    @Test func standardClassifierUsesTheDefaults() throws {
        let defaults = try ClassificationRuleSet.builtInDefaults()
        #expect(ReplyClassifier.standard.ruleSets == [defaults])
    }

    /// The defaults end with catch-alls, so the Swift last resort is never what decides.
    @Test(arguments: [200, 250, 334, 354, 399, 400, 421, 499, 500, 550, 599])
    func defaultsCoverEveryCode(code: Int) {
        let reply = SMTPReply(code: code, lines: ["anything"])
        for stage in SMTPStage.allCases {
            #expect(ReplyClassifier.standard.classify(reply: reply, stage: stage).rule != ReplyClassifier.lastResortRule)
        }
    }
}
