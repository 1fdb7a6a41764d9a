import SMTP

/// Reads the rules format: a `rule NAME -> CLASS` header, then condition lines.
///
/// ```
/// # Gmail: the account hit its 24-hour quota; nothing will pass before the window resets.
/// rule gmail-daily-quota -> throttle
///     stage    mail rcpt dot
///     enhanced 5.4.5
/// ```
///
/// Line-oriented so that every mistake has a line number, and so that a regular expression
/// needs no quoting: `text` takes the rest of its line. Comments are whole lines starting
/// with `#` (a `#` inside an expression is part of it).
enum ClassificationRulesParser {
    private struct PendingRule {
        var name: String
        var result: ReplyClass
        var line: Int
        var stages: Set<SMTPStage>?
        var codes: [ReplyCodePattern]?
        var enhancedCodes: [EnhancedCodePattern]?
        var text: ReplyTextPattern?

        func build(file: String) -> ClassificationRule {
            ClassificationRule(name: name, result: result, stages: stages, codes: codes, enhancedCodes: enhancedCodes,
                               text: text, file: file, line: line)
        }
    }

    static let conditionKeywords: Set<String> = ["stage", "code", "enhanced", "text"]

    static func parse(_ text: String, fileName: String) throws(ClassificationRulesError) -> [ClassificationRule] {
        var rules: [ClassificationRule] = []
        var firstLineOfName: [String: Int] = [:]
        var pending: PendingRule?

        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let lineNumber = index + 1
            func failure(_ problem: ClassificationRulesError.Problem) -> ClassificationRulesError {
                ClassificationRulesError(file: fileName, line: lineNumber, problem: problem)
            }
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }

            let keyword = String(line.prefix { !$0.isWhitespace })
            let rest = line.dropFirst(keyword.count).trimmingWhitespace()

            if keyword == "rule" {
                if let finished = pending { rules.append(finished.build(file: fileName)) }
                let (name, result) = try parseHeader(rest, line: line, failure: failure)
                if let firstLine = firstLineOfName[name] { throw failure(.duplicateRuleName(name, firstLine: firstLine)) }
                firstLineOfName[name] = lineNumber
                pending = PendingRule(name: name, result: result, line: lineNumber)
                continue
            }

            guard conditionKeywords.contains(keyword) else { throw failure(.unknownKeyword(keyword)) }
            guard var rule = pending else { throw failure(.conditionOutsideRule(keyword: keyword)) }
            guard !rest.isEmpty else { throw failure(.emptyCondition(keyword: keyword)) }
            let values = rest.split(whereSeparator: { $0.isWhitespace || $0 == "," }).map(String.init)

            switch keyword {
            case "stage":
                guard rule.stages == nil else { throw failure(.duplicateCondition(keyword: keyword)) }
                var stages = Set<SMTPStage>()
                for value in values {
                    guard let stage = SMTPStage(operatorInput: value) else { throw failure(.unknownStage(value)) }
                    stages.insert(stage.classificationStage)
                }
                rule.stages = stages
            case "code":
                guard rule.codes == nil else { throw failure(.duplicateCondition(keyword: keyword)) }
                var codes: [ReplyCodePattern] = []
                for value in values {
                    guard let code = ReplyCodePattern(value) else { throw failure(.invalidCodePattern(value)) }
                    codes.append(code)
                }
                rule.codes = codes
            case "enhanced":
                guard rule.enhancedCodes == nil else { throw failure(.duplicateCondition(keyword: keyword)) }
                var codes: [EnhancedCodePattern] = []
                for value in values {
                    guard let code = EnhancedCodePattern(value) else { throw failure(.invalidEnhancedCodePattern(value)) }
                    codes.append(code)
                }
                rule.enhancedCodes = codes
            default:  // "text": the whole rest of the line, spaces included.
                guard rule.text == nil else { throw failure(.duplicateCondition(keyword: keyword)) }
                do {
                    rule.text = try ReplyTextPattern(String(rest))
                } catch {
                    throw failure(.invalidTextPattern(String(rest), detail: String(describing: error)))
                }
            }
            pending = rule
        }
        if let finished = pending { rules.append(finished.build(file: fileName)) }
        return rules
    }

    private static func parseHeader(
        _ rest: Substring, line: Substring, failure: (ClassificationRulesError.Problem) -> ClassificationRulesError
    ) throws(ClassificationRulesError) -> (name: String, result: ReplyClass) {
        guard let arrow = rest.firstRange(of: "->") else { throw failure(.malformedRuleHeader(String(line))) }
        let name = rest[..<arrow.lowerBound].trimmingWhitespace()
        let className = rest[arrow.upperBound...].trimmingWhitespace()
        guard !name.isEmpty, !className.isEmpty, !className.contains(where: \.isWhitespace) else {
            throw failure(.malformedRuleHeader(String(line)))
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw failure(.invalidRuleName(String(name)))
        }
        guard let result = ReplyClass(rawValue: className.lowercased()) else { throw failure(.unknownClass(String(className))) }
        return (String(name), result)
    }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and the CR a CRLF file leaves.
    func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
