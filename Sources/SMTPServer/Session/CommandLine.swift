/// A command line split into its verb and the rest, and the parsers for MAIL and RCPT
/// arguments.
///
/// Verbs are compared upper-cased (RFC 5321 section 2.4: commands are case-insensitive);
/// arguments keep their case, because the local part of an address is case-sensitive.
struct CommandLine: Equatable {
    let verb: String
    let arguments: String

    init(_ bytes: [UInt8]) {
        // Lenient decoding: a client may send Latin-1 junk, which must get a 500, not a crash.
        let text = String(decoding: bytes, as: UTF8.self)
        if let space = text.firstIndex(of: " ") {
            verb = text[..<space].uppercased()
            arguments = String(text[text.index(after: space)...]).trimmingSpaces()
        } else {
            verb = text.uppercased()
            arguments = ""
        }
    }

    /// `FROM:<address> PARAM=value ...` or `TO:<address> ...` after the keyword.
    struct PathArguments: Equatable {
        let address: String
        let parameters: [String]
    }

    /// Parses `keyword:<path> parameters`; nil when the syntax is wrong. A space after the
    /// colon is tolerated (many clients send it); a missing `<>` is not, as in Postfix's
    /// strict mode, because a client that omits it is the bug the tests should find.
    func pathArguments(keyword: String) -> PathArguments? {
        let prefix = keyword + ":"
        guard arguments.uppercased().hasPrefix(prefix) else { return nil }
        let rest = arguments.dropFirst(prefix.count).drop(while: { $0 == " " })
        guard rest.first == "<", let close = rest.firstIndex(of: ">") else { return nil }
        var address = rest[rest.index(after: rest.startIndex)..<close]
        // RFC 5321 section 4.1.2 source routes (`<@relay:user@host>`) are accepted and ignored.
        if address.first == "@", let colon = address.firstIndex(of: ":") {
            address = address[address.index(after: colon)...]
        }
        let parameters = rest[rest.index(after: close)...].split(separator: " ").map(String.init)
        return PathArguments(address: String(address), parameters: parameters)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
