/// A delivery-policy setting that cannot be used, in words an operator can act on.
public enum DeliveryPolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A rate limit such as "30/min" that does not parse; `problem` says what is wrong.
    case invalidRateLimit(input: String, problem: String)
    /// A backoff, suspension or breaker setting out of range.
    case invalidSetting(name: String, value: String, expected: String)
    /// A line of a provider table (built-in or an operator's override file).
    case invalidProviderTable(file: String, line: Int, problem: String)

    public var description: String {
        switch self {
        case .invalidRateLimit(let input, let problem):
            return "invalid rate limit \(String(reflecting: input)): \(problem); write COUNT/PERIOD, e.g. 30/min, 100/hour, 1/8m, 2000/day, 5/s"
        case .invalidSetting(let name, let value, let expected):
            return "invalid \(name) \(String(reflecting: value)): expected \(expected)"
        case .invalidProviderTable(let file, let line, let problem):
            return "\(file):\(line): \(problem)"
        }
    }
}
