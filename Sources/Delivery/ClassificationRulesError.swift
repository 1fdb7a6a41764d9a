/// A rules file that cannot be used, with the place to fix it.
///
/// Operators edit rules by hand, so the message names the file and line and says what was
/// expected, the way a compiler would: `overrides.rules:12: unknown class "bounced"; expected
/// one of success, transient, throttle, bounce, reject, account`.
public struct ClassificationRulesError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        case unknownKeyword(String)
        /// A condition line before the first `rule` header.
        case conditionOutsideRule(keyword: String)
        /// A `rule` line that is not `rule NAME -> CLASS`.
        case malformedRuleHeader(String)
        case invalidRuleName(String)
        case duplicateRuleName(String, firstLine: Int)
        case unknownClass(String)
        case unknownStage(String)
        case invalidCodePattern(String)
        case invalidEnhancedCodePattern(String)
        case invalidTextPattern(String, detail: String)
        /// The same condition twice in one rule: the second would silently replace the first.
        case duplicateCondition(keyword: String)
        case emptyCondition(keyword: String)
    }

    public var file: String
    /// 1-based, as editors count.
    public var line: Int
    public var problem: Problem

    public init(file: String, line: Int, problem: Problem) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String { "\(file):\(line): \(problemDescription)" }

    public var problemDescription: String {
        switch problem {
        case .unknownKeyword(let keyword):
            return "unknown keyword \(quoted(keyword)); expected rule, stage, code, enhanced or text"
        case .conditionOutsideRule(let keyword):
            return "\(quoted(keyword)) before the first rule; start a rule with `rule NAME -> CLASS`"
        case .malformedRuleHeader(let text):
            return "malformed rule header \(quoted(text)); expected `rule NAME -> CLASS`"
        case .invalidRuleName(let name):
            return "invalid rule name \(quoted(name)); use letters, digits, '-', '_' and '.'"
        case .duplicateRuleName(let name, let firstLine):
            return "rule name \(quoted(name)) already used on line \(firstLine)"
        case .unknownClass(let name):
            return "unknown class \(quoted(name)); expected one of \(ReplyClass.allCases.map(\.rawValue).joined(separator: ", "))"
        case .unknownStage(let name):
            return "unknown stage \(quoted(name)); expected connect (or greeting), ehlo, starttls, tls, auth, mail, rcpt, data, dot, rset, noop or quit"
        case .invalidCodePattern(let text):
            return "invalid reply code \(quoted(text)); expected three digits or x, starting with 2 to 5, e.g. 550, 5xx, 42x"
        case .invalidEnhancedCodePattern(let text):
            return "invalid enhanced code \(quoted(text)); expected e.g. 5.7.8, 5.7.*, 4.* or none"
        case .invalidTextPattern(let text, let detail):
            return "invalid regular expression \(quoted(text)): \(detail)"
        case .duplicateCondition(let keyword):
            return "\(quoted(keyword)) given twice in one rule; list the alternatives on one line"
        case .emptyCondition(let keyword):
            return "\(quoted(keyword)) needs at least one value"
        }
    }

    private func quoted(_ text: String) -> String { String(reflecting: text) }
}
