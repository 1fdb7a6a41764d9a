/// One thing wrong in maild.conf, with its place.
public struct ConfigurationProblem: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Startup (or reload) refused: every problem found, one per line, so an operator fixes them
/// all in one pass.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigurationProblem]

    public init(problems: [ConfigurationProblem]) { self.problems = problems }

    public var description: String {
        let noun = problems.count == 1 ? "problem" : "problems"
        return "invalid configuration (\(problems.count) \(noun)):\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
