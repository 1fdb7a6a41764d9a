import SMTP

/// Reads typed values out of one section, collecting problems (unknown keys with a
/// suggestion, duplicates, values of the wrong form) instead of failing on the first.
struct SectionReader {
    let section: ConfigurationFile.Section
    let path: String
    private(set) var problems: [ConfigurationProblem] = []
    private var values: [String: ConfigurationFile.Entry] = [:]

    init(_ section: ConfigurationFile.Section, path: String, knownKeys: [String]) {
        self.section = section
        self.path = path
        let title = section.name.map { "[\(section.kind) \($0)]" } ?? "[\(section.kind)]"
        for entry in section.entries {
            if !knownKeys.contains(entry.key) {
                var message = "unknown key \"\(entry.key)\" in \(title)"
                if let suggestion = Self.closest(to: entry.key, in: knownKeys) { message += " (did you mean \"\(suggestion)\"?)" }
                problems.append(ConfigurationProblem(file: path, line: entry.line, message))
            } else if let earlier = values[entry.key] {
                problems.append(ConfigurationProblem(file: path, line: entry.line, "\(entry.key) is set twice in \(title) (first on line \(earlier.line))"))
            } else {
                values[entry.key] = entry
            }
        }
    }

    func line(of key: String) -> Int? { values[key]?.line ?? section.line }

    mutating func problem(_ key: String, _ message: String) {
        problems.append(ConfigurationProblem(file: path, line: line(of: key), "\(key): \(message)"))
    }

    func string(_ key: String) -> String? {
        guard let value = values[key]?.value, !value.isEmpty else { return nil }
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { return String(value.dropFirst().dropLast()) }
        return value
    }

    mutating func required(_ key: String) -> String? {
        guard let value = string(key) else {
            let title = section.name.map { "[\(section.kind) \($0)]" } ?? "[\(section.kind)]"
            problems.append(ConfigurationProblem(file: path, line: section.line, "\(title) needs \(key)"))
            return nil
        }
        return value
    }

    mutating func integer(_ key: String, range: ClosedRange<Int>) -> Int? {
        guard let text = string(key) else { return nil }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(value) else {
            problem(key, "\"\(text)\" is not a whole number in \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return value
    }

    mutating func boolean(_ key: String) -> Bool? {
        guard let text = string(key) else { return nil }
        switch text.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default:
            problem(key, "\"\(text)\" is not yes or no")
            return nil
        }
    }

    mutating func duration(_ key: String) -> Duration? {
        guard let text = string(key) else { return nil }
        guard let value = Duration(operatorInput: text) else {
            problem(key, "\"\(text)\" is not a duration (examples: 30s, 5m, 1h, 2d)")
            return nil
        }
        return value
    }

    /// A duration that must be longer than zero: a zero timeout fails every SMTP session at
    /// its first step, after the configuration was accepted.
    mutating func positiveDuration(_ key: String) -> Duration? {
        guard let value = duration(key) else { return nil }
        guard value > .zero else {
            problem(key, "must be longer than 0s")
            return nil
        }
        return value
    }

    /// A size in bytes: `65536`, `512K`, `5M`, `1G` (powers of 1024; `KiB`, `MiB`, `GiB`, `KB`,
    /// `MB` and `GB` mean the same), within `range`.
    mutating func byteSize(_ key: String, range: ClosedRange<Int>) -> Int? {
        guard let text = string(key) else { return nil }
        guard let value = Self.parseByteSize(text), range.contains(value) else {
            problem(key, "\"\(text)\" is not a size from \(range.lowerBound) bytes to \(range.upperBound / (1024 * 1024))M (examples: 65536, 512K, 5M)")
            return nil
        }
        return value
    }

    static func parseByteSize(_ text: String) -> Int? {
        let compact = text.replacingOccurrences(of: "_", with: "").replacingOccurrences(of: " ", with: "")
        let digits = compact.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let multipliers: [String: Int] = ["": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20,
                                          "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30]
        guard let multiplier = multipliers[compact.dropFirst(digits.count).uppercased()] else { return nil }
        let (value, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : value
    }

    mutating func octalMode(_ key: String) -> UInt32? {
        guard let text = string(key) else { return nil }
        guard let value = UInt32(text, radix: 8), value <= 0o777 else {
            problem(key, "\"\(text)\" is not an octal file mode such as 0660")
            return nil
        }
        return value
    }

    /// Levenshtein distance at most 2: catches typos without suggesting unrelated keys.
    static func closest(to key: String, in candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, ca) in a.enumerated() {
                var current = [i + 1]
                for (j, cb) in b.enumerated() {
                    current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
                }
                previous = current
            }
            return previous[b.count]
        }
        let best = candidates.map { ($0, distance(Array(key), Array($0))) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= 2 else { return nil }
        return best.0
    }
}
