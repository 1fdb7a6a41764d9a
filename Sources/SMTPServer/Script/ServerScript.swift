/// The rules that replace the server's standard replies, checked in order on every event.
///
/// Every rule whose conditions match an event counts that match, whether or not an earlier
/// rule wins; the first rule whose `occurrences` window contains its count decides. So
/// "452 for the first two RCPT attempts, then accept" is one rule, and "550 for bob, but
/// 452 the first time" is two rules in that order, each counting bob's attempts.
public struct ServerScript: Hashable, Sendable {
    public var rules: [ScriptRule]

    public init(_ rules: [ScriptRule] = []) {
        self.rules = rules
    }

    public static let none = ServerScript()
}

/// A script with its counters: the part of a running server that remembers how often each
/// rule matched. Kept behind the server's lock because every connection consults it.
struct ScriptEngine: Sendable {
    private(set) var script: ServerScript
    private var matchCounts: [Int]

    init(script: ServerScript) {
        self.script = script
        self.matchCounts = Array(repeating: 0, count: script.rules.count)
    }

    mutating func decide(_ event: ScriptEvent) -> ServerAction? {
        var decision: ServerAction?
        for (index, rule) in script.rules.enumerated() where rule.matchesConditions(of: event) {
            matchCounts[index] += 1
            if decision == nil, rule.occurrences?.contains(matchCounts[index]) ?? true {
                decision = rule.action
            }
        }
        return decision
    }
}
