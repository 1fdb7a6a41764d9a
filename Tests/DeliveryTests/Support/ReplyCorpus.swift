import Delivery
import Foundation
import SMTP
import Testing

/// One line of `smtp-replies.tsv`: a real reply, the stage it answered and the class a bulk
/// sender should reach.
struct CorpusLine: Sendable, CustomTestStringConvertible {
    var lineNumber: Int
    var stage: String
    var reply: String
    var expected: String
    var note: String

    var testDescription: String { "line \(lineNumber): \(stage) \(reply.prefix(60))" }
}

enum CorpusError: Error, CustomStringConvertible {
    case malformed(line: Int, text: String)

    var description: String {
        switch self {
        case .malformed(let line, let text): return "smtp-replies.tsv:\(line): expected stage, reply, class and note separated by tabs: \(text)"
        }
    }
}

enum ReplyCorpus {
    /// Every non-comment line, in file order.
    static func load() throws -> [CorpusLine] {
        let text = try String(contentsOf: DeliveryFixtures.replyCorpus, encoding: .utf8)
        var result: [CorpusLine] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 3 else { throw CorpusError.malformed(line: index + 1, text: String(line)) }
            result.append(CorpusLine(lineNumber: index + 1, stage: columns[0], reply: columns[1], expected: columns[2],
                                     note: columns.count > 3 ? columns[3] : ""))
        }
        return result
    }
}
