/// One field of the CSV mailctl prints (`report`, `suppress list`), as RFC 4180 writes it:
/// quoted when it holds a comma, a quote or a line break, inner quotes doubled. An address may
/// hold any of these in a quoted local part (`"a,b"@example.com`).
enum CSVField {
    static func quoted(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
