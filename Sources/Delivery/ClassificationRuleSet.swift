import SMTP

/// The rules of one file, in the order written: the first rule that matches decides.
///
/// A classifier holds several sets (operator overrides first, then the built-in defaults), so
/// an operator adds a rule for a provider quirk without copying or editing the defaults.
public struct ClassificationRuleSet: Sendable, Equatable {
    /// The file name used in error messages and in each rule's location.
    public var name: String
    public var rules: [ClassificationRule]

    public init(name: String, rules: [ClassificationRule]) {
        self.name = name
        self.rules = rules
    }

    /// Parses rules written in the format of `etc/classification.rules`.
    public init(parsing text: String, fileName: String) throws(ClassificationRulesError) {
        self.init(name: fileName, rules: try ClassificationRulesParser.parse(text, fileName: fileName))
    }

    /// The defaults compiled into the binary: the text of `etc/classification.rules`.
    public static func builtInDefaults() throws(ClassificationRulesError) -> ClassificationRuleSet {
        try ClassificationRuleSet(parsing: DefaultClassificationRules.text, fileName: DefaultClassificationRules.fileName)
    }

    /// The first rule in this set that matches, if any.
    public func firstMatch(for reply: SMTPReply, at stage: SMTPStage) -> ClassificationRule? {
        rules.first { $0.matches(reply, at: stage) }
    }
}
