/// RFC 2047 encoded-words in UTF-8: how non-ASCII text travels in headers.
///
/// Text is cut into encoded-words at character boundaries, so a decoder that decodes each word on
/// its own (RFC 2047 section 5 says each must be decodable alone) never sees half a UTF-8
/// sequence. A grapheme cluster too long for one word (a long emoji sequence) is cut between its
/// Unicode scalars, never inside one.
enum EncodedWord {
    enum Encoding {
        /// "B": base64, shorter for mostly non-Latin text.
        case base64
        /// "Q": quoted-printable-like, shorter and readable for mostly Latin text.
        case quoted
    }

    /// RFC 2047 section 2: "An 'encoded-word' may not be more than 75 characters long".
    static let maximumLength = 75
    /// "=?UTF-8?B?" and "?=".
    static let overhead = 12

    /// The pieces that are never cut: a character's UTF-8 bytes when they fit in one word in
    /// either encoding (21 bytes: 63 characters of Q), otherwise each scalar's bytes (at most 4).
    static func units(of text: String) -> [[UInt8]] {
        var units: [[UInt8]] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count <= 21 {
                units.append(bytes)
            } else {
                for scalar in character.unicodeScalars { units.append(Array(String(scalar).utf8)) }
            }
        }
        return units
    }

    /// B or Q, whichever encodes this text in fewer characters (Q on a tie, being readable).
    static func preferredEncoding(for text: String) -> Encoding {
        let quotedLength = text.utf8.reduce(0) { $0 + quotedCost(of: $1) }
        return Base64.encodedLength(of: text.utf8.count) < quotedLength ? .base64 : .quoted
    }

    /// Takes as many units from the front as fit in one encoded-word of at most `budget`
    /// characters and returns that word; nil when not even the first unit fits.
    static func take(from units: inout ArraySlice<[UInt8]>, budget: Int, encoding: Encoding) -> String? {
        let budget = min(budget, maximumLength)
        var bytes: [UInt8] = []
        var costSoFar = 0
        var taken = 0
        for unit in units {
            let cost: Int
            switch encoding {
            case .base64: cost = Base64.encodedLength(of: bytes.count + unit.count)
            case .quoted: cost = costSoFar + unit.reduce(0) { $0 + quotedCost(of: $1) }
            }
            guard overhead + cost <= budget else { break }
            bytes += unit
            costSoFar = cost
            taken += 1
        }
        guard taken > 0 else { return nil }
        units.removeFirst(taken)
        return render(bytes, encoding: encoding)
    }

    /// A word of up to 75 characters, or one unit if (impossibly, given `units(of:)`) even that
    /// does not fit: never drops text.
    static func takeFullWord(from units: inout ArraySlice<[UInt8]>, encoding: Encoding) -> String {
        if let word = take(from: &units, budget: maximumLength, encoding: encoding) { return word }
        guard let unit = units.popFirst() else { return "" }
        return render(unit, encoding: encoding)
    }

    static func render(_ bytes: [UInt8], encoding: Encoding) -> String {
        switch encoding {
        case .base64:
            return "=?UTF-8?B?" + Base64.encode(bytes) + "?="
        case .quoted:
            var output = Array("=?UTF-8?Q?".utf8)
            for byte in bytes {
                if byte == 0x20 {
                    output.append(UInt8(ascii: "_"))
                } else if isQuotedLiteral(byte) {
                    output.append(byte)
                } else {
                    output.append(UInt8(ascii: "="))
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0x0F)])
                }
            }
            output += Array("?=".utf8)
            return String(decoding: output, as: UTF8.self)
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func quotedCost(of byte: UInt8) -> Int {
        byte == 0x20 || isQuotedLiteral(byte) ? 1 : 3
    }

    /// RFC 2047 5(3): in a phrase only letters, digits and "!*+-/" may stand for themselves. The
    /// strictest rule is used everywhere, so a word is safe in any header ('=', '?', '_' and
    /// everything else are written as =XX).
    private static func isQuotedLiteral(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "!"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }
}
