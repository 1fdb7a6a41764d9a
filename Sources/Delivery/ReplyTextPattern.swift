/// A case-insensitive regular expression over a reply's text (all lines joined with a space,
/// without the basic and enhanced codes).
///
/// Text is the last resort of a rule: servers reuse codes for unrelated things (5.7.1 is
/// "relay access denied" at Postfix and "unsolicited mail" at Gmail), and only the words tell
/// them apart.
public struct ReplyTextPattern: Sendable, CustomStringConvertible {
    /// The expression as written in the rules file, for messages and equality.
    public let source: String
    /// `Regex<AnyRegexOutput>` is not `Sendable` only because its output type can hold
    /// `Any`; we never read captures, and a compiled regex is immutable (its lazy lowering is
    /// synchronized in the standard library), so sharing it across tasks is safe.
    nonisolated(unsafe) private let regex: Regex<AnyRegexOutput>

    /// Compiles `source`; throws the regex engine's error for a malformed expression.
    public init(_ source: String) throws {
        self.source = source
        self.regex = try Regex(source).ignoresCase()
    }

    /// True when the expression matches anywhere in `text`.
    public func matches(_ text: String) -> Bool {
        text.contains(regex)
    }

    public var description: String { source }
}

extension ReplyTextPattern: Equatable {
    public static func == (lhs: ReplyTextPattern, rhs: ReplyTextPattern) -> Bool { lhs.source == rhs.source }
}
