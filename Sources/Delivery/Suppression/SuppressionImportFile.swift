import Foundation

/// The addresses of a `mailctl suppress import` file: one address per line, or a CSV file
/// whose header row has an `email` column (any case), as exported by most list tools and as
/// campaign recipient lists are written, or an `address` column, as `suppress list` writes. Blank lines and `#` comments (in the plain form)
/// are skipped; a byte order mark is dropped.
public struct SuppressionImportFile: Sendable, Equatable {
    public private(set) var addresses: [String] = []
    /// Lines that held no address, with their number, for the operator.
    public private(set) var problems: [String] = []

    public init(text: String, name: String) {
        var text = text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        guard let headerIndex = lines.firstIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return }
        let header = Self.fields(lines[headerIndex]).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if header.count > 1 || header.first == "email" || header.first == "address" {
            // `address` is the column `mailctl suppress list` writes, so a saved list imports.
            guard let column = header.firstIndex(of: "email") ?? header.firstIndex(of: "address") else {
                problems.append("\(name):\(headerIndex + 1): a CSV file needs an email (or address) column; its header has \(header.joined(separator: ", "))")
                return
            }
            for (offset, line) in lines.enumerated().dropFirst(headerIndex + 1) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                let row = Self.fields(line)
                let value = column < row.count ? row[column].trimmingCharacters(in: .whitespaces) : ""
                accept(value, line: offset + 1, name: name)
            }
        } else {
            for (offset, line) in lines.enumerated() {
                let value = line.trimmingCharacters(in: .whitespaces)
                if value.isEmpty || value.hasPrefix("#") { continue }
                accept(value, line: offset + 1, name: name)
            }
        }
    }

    private mutating func accept(_ value: String, line: Int, name: String) {
        if let at = value.lastIndex(of: "@"), at != value.startIndex, value.index(after: at) != value.endIndex, !value.contains(where: \.isWhitespace) {
            addresses.append(value)
        } else {
            problems.append("\(name):\(line): \(String(reflecting: value)) is not an address")
        }
    }

    /// RFC 4180 fields of one line: commas separate, double quotes quote, `""` is a quote.
    public static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var afterClosingQuote = false
        for character in line {
            // `""` inside a quoted field is one quote, even at the field's start, as in
            // `"""a@b""@example.com"` (the list's form of `"a@b"@example.com`).
            let escapedQuote = afterClosingQuote && character == "\""
            afterClosingQuote = false
            if quoted {
                if character == "\"" {
                    quoted = false
                    afterClosingQuote = true
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                if escapedQuote { field.append("\"") }
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }
}
