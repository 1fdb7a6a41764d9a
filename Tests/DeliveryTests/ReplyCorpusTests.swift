import Delivery
import SMTP
import Testing

/// The shared corpus is the contract: every real reply in it must land in the class written
/// next to it, through the built-in rules alone.
struct ReplyCorpusTests {
    static let classifier = ReplyClassifier.standard

    @Test func corpusHasEveryLine() throws {
        #expect(try ReplyCorpus.load().count == 68)
    }

    @Test(arguments: try ReplyCorpus.load())
    func corpusLineClassifiesAsWritten(_ line: CorpusLine) throws {
        let stage = try #require(SMTPStage(operatorInput: line.stage), "smtp-replies.tsv:\(line.lineNumber): unknown stage \(line.stage)")
        let reply = try #require(SMTPReply(singleLine: line.reply), "smtp-replies.tsv:\(line.lineNumber): unparsable reply")
        let expected = try #require(ReplyClass(rawValue: line.expected), "smtp-replies.tsv:\(line.lineNumber): unknown class \(line.expected)")
        let result = Self.classifier.classify(reply: reply, stage: stage)
        #expect(
            result.replyClass == expected,
            "smtp-replies.tsv:\(line.lineNumber): \(line.stage) \(line.reply) is \(result.replyClass) by rule \(result.rule) at \(result.source), expected \(expected) (\(line.note))"
        )
    }
}
