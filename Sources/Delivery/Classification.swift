/// The outcome of classifying a reply or a session failure, with the rule that decided it.
///
/// The rule travels with the class so that logs and `mailctl classify` can answer the
/// operator's first question, "why was this a bounce?", and point at the line to override.
public struct Classification: Hashable, Sendable, CustomStringConvertible {
    public var replyClass: ReplyClass
    /// The name of the rule that matched, e.g. `gmail-daily-quota`.
    public var rule: String
    /// Where the rule is written: `classification.rules:120`, or a built-in source name for
    /// the session rules kept in Swift.
    public var source: String

    public init(replyClass: ReplyClass, rule: String, source: String) {
        self.replyClass = replyClass
        self.rule = rule
        self.source = source
    }

    /// `throttle (rule gmail-daily-quota at classification.rules:120)`.
    public var description: String { "\(replyClass) (rule \(rule) at \(source))" }
}
