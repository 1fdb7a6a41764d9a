/// The syntax of maild.conf: `[section]` or `[kind name]` headers, `key = value` lines, `#`
/// comments. The format systemd units and Postfix's master.cf made familiar to operators.
///
/// Only syntax lives here; ``DaemonConfiguration`` gives the keys their meaning. Every entry
/// remembers its line, so every later complaint can name it.
struct ConfigurationFile {
    struct Entry {
        var key: String
        var value: String
        var line: Int
    }

    struct Section {
        /// `daemon`, `delivery`, `account`, `provider`...
        var kind: String
        /// The name in `[account gmail]`; nil for `[daemon]`.
        var name: String?
        var line: Int
        var entries: [Entry] = []
    }

    var path: String
    var sections: [Section] = []

    /// Parses `text`, collecting syntax problems instead of stopping at the first.
    static func parse(_ text: String, path: String, problems: inout [ConfigurationProblem]) -> ConfigurationFile {
        var file = ConfigurationFile(path: path)
        var lineNumber = 0
        // Swift reads "\r\n" as one Character, so splitting on "\n" alone would leave a file
        // saved on Windows as one long line.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.trimmingSpaces()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else {
                    problems.append(ConfigurationProblem(file: path, line: lineNumber, "section header without closing ]: \(trimmed)"))
                    continue
                }
                let words = trimmed.dropFirst().dropLast().split(separator: " ", omittingEmptySubsequences: true)
                guard let kind = words.first, words.count <= 2 else {
                    problems.append(ConfigurationProblem(file: path, line: lineNumber, "section header must be [kind] or [kind name]: \(trimmed)"))
                    continue
                }
                var name = words.count == 2 ? String(words[1]) : nil
                if let quoted = name, quoted.count >= 2, quoted.hasPrefix("\""), quoted.hasSuffix("\"") {
                    name = String(quoted.dropFirst().dropLast())
                }
                file.sections.append(Section(kind: String(kind), name: name, line: lineNumber))
                continue
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                problems.append(ConfigurationProblem(file: path, line: lineNumber, "expected key = value, found: \(trimmed)"))
                continue
            }
            let key = trimmed[..<equals].trimmingSpaces()
            var value = trimmed[trimmed.index(after: equals)...].trimmingSpaces()
            // A comment after a value needs a space before `#`: `#` is legal inside passwords' file
            // names and rate strings are free of it.
            if let comment = value.range(of: " #") { value = value[..<comment.lowerBound].trimmingSpaces() }
            guard !key.isEmpty else {
                problems.append(ConfigurationProblem(file: path, line: lineNumber, "missing key before ="))
                continue
            }
            guard !file.sections.isEmpty else {
                problems.append(ConfigurationProblem(file: path, line: lineNumber, "\(key) appears before any [section]"))
                continue
            }
            file.sections[file.sections.count - 1].entries.append(Entry(key: String(key), value: String(value), line: lineNumber))
        }
        return file
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
