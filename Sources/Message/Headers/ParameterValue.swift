/// How one MIME parameter is written (RFC 2045 5.1, RFC 2231): as `name=token`,
/// `name="quoted string"`, or, for non-ASCII text, `name*=UTF-8''percent-encoded`, split into
/// numbered continuations (`name*0*=`, `name*1*=`...) when it would not fit on one line.
///
/// Continuations are cut between characters, never inside a %XX or a UTF-8 sequence, although
/// RFC 2231 would allow the latter: some decoders decode each piece separately.
///
/// Not done: the non-standard `name="=?UTF-8?...?="` form some old clients (Outlook before
/// 2007) need for non-ASCII file names. Every current client reads RFC 2231.
enum ParameterValue {
    /// " " + segment + ";" within 78 characters.
    static let longestSegment = 76

    /// The `name=value` pieces, each to be written on its own line if need be.
    static func segments(name: String, value: String) -> [String] {
        // A quoted "=?...?=" would be decoded as an encoded-word by lenient parsers (Python's
        // among them); the extended form has no such ambiguity.
        let isPlainASCII = value.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) } && !value.contains("=?")
        if isPlainASCII {
            let simple = name + "=" + (MIMEToken.isToken(value) ? value : PhraseSyntax.quotedString(value))
            if simple.utf8.count <= longestSegment { return [simple] }
            let units = value.unicodeScalars.map { $0 == "\"" || $0 == "\\" ? "\\" + String($0) : String($0) }
            return continuations(name: name, units: units, extended: false)
        }
        let units = units(of: value)
        let simple = name + "*=UTF-8''" + units.joined()
        if simple.utf8.count <= longestSegment { return [simple] }
        return continuations(name: name, units: units, extended: true)
    }

    /// RFC 2231 3: `name*0="..."` for plain text, `name*0*=UTF-8''...` then `name*1*=...` for
    /// extended. Each segment takes at least one unit, so an absurdly long parameter name still
    /// makes progress (on a longer line).
    private static func continuations(name: String, units: [String], extended: Bool) -> [String] {
        var segments: [String] = []
        var next = 0
        while next < units.count || segments.isEmpty {
            let number = segments.count
            let prefix = extended ? "\(name)*\(number)*=" + (number == 0 ? "UTF-8''" : "") : "\(name)*\(number)=\""
            let suffix = extended ? "" : "\""
            var body = ""
            while next < units.count {
                let unit = units[next]
                if !body.isEmpty && prefix.utf8.count + body.utf8.count + unit.utf8.count + suffix.utf8.count > longestSegment {
                    break
                }
                body += unit
                next += 1
            }
            segments.append(prefix + body + suffix)
        }
        return segments
    }

    /// Percent-encoded characters (RFC 2231 7 extended-other-values), one string per character, or
    /// per scalar for a character longer than 12 bytes, so a segment can always take one.
    private static func units(of value: String) -> [String] {
        var units: [String] = []
        for character in value {
            let text = String(character)
            if text.utf8.count <= 12 {
                units.append(percentEncoded(text))
            } else {
                units += character.unicodeScalars.map { percentEncoded(String($0)) }
            }
        }
        return units
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func percentEncoded(_ text: String) -> String {
        var output: [UInt8] = []
        for byte in text.utf8 {
            if byte < 0x80, MIMEToken.isAttributeCharacter(Unicode.Scalar(byte)) {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
