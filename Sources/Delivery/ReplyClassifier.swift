import SMTP

/// Decides what a reply means for the queue, from rules kept as data.
///
/// Rule sets are tried in order (operator overrides first, then the built-in defaults), and
/// within a set the first matching rule wins. Keeping the knowledge in rules rather than in
/// `switch` statements lets an operator fix a provider quirk the day it appears, and lets
/// `mailctl classify` show which rule decided.
public struct ReplyClassifier: Sendable {
    /// The sets in the order they are tried.
    public let ruleSets: [ClassificationRuleSet]

    /// The rule reported when no rule matches. The built-in defaults end with catch-alls, so
    /// this is reached only with custom rule sets, or for codes outside 2xx to 5xx.
    public static let lastResortRule = "last-resort"
    static let lastResortSource = "built-in"

    public init(ruleSets: [ClassificationRuleSet]) {
        self.ruleSets = ruleSets
    }

    /// The built-in defaults alone, for tools and tests that have no configuration.
    ///
    /// The compiled-in text is checked by a test, so parsing cannot fail in a released build;
    /// if it ever did, this classifier still answers by the first digit (``lastResortRule``)
    /// rather than crash, and ``init(overrides:)`` reports the error where a daemon starts.
    public static let standard: ReplyClassifier = {
        do {
            return try ReplyClassifier()
        } catch {
            return ReplyClassifier(ruleSets: [])
        }
    }()

    /// The built-in defaults, after `overrides` in the order given.
    public init(overrides: [ClassificationRuleSet] = []) throws(ClassificationRulesError) {
        self.init(ruleSets: overrides + [try ClassificationRuleSet.builtInDefaults()])
    }

    /// Classifies `reply` as an answer to `stage` (`greeting` and `connect` are the same).
    public func classify(reply: SMTPReply, stage: SMTPStage) -> Classification {
        for ruleSet in ruleSets {
            if let rule = ruleSet.firstMatch(for: reply, at: stage) {
                return Classification(replyClass: rule.result, rule: rule.name, source: rule.location)
            }
        }
        return Classification(replyClass: Self.lastResort(for: reply, at: stage), rule: Self.lastResortRule,
                              source: Self.lastResortSource)
    }

    /// What RFC 5321 section 4.2.1 says about the first digit, and nothing more: it keeps the
    /// classifier total when a rule set has no catch-all. A code the RFC does not define is
    /// treated as transient, so a broken server delays mail instead of losing it.
    static func lastResort(for reply: SMTPReply, at stage: SMTPStage) -> ReplyClass {
        switch reply.code {
        case 200..<300: return .success
        case 300..<400 where stage == .data || stage == .auth: return .success
        case 500..<600 where stage == .rcpt: return .bounce
        case 500..<600: return .reject
        default: return .transient
        }
    }
}
