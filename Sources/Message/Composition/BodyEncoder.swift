/// Content-Transfer-Encoding for a text body (RFC 2045 6), chosen per rendered body:
///
/// - `7bit` when the text is ASCII without control characters, every line fits in 998 octets,
///   no line starts with "." and "=_" appears nowhere (our MIME boundaries start with "=_", so a
///   7bit part can never contain one; QP and base64 cannot produce "=_" at all).
/// - `base64` when more than a third of the bytes are non-ASCII (CJK, Cyrillic: shorter).
/// - `quoted-printable` otherwise. A line-leading "." is encoded as `=2E`, so no body line can
///   be read as the SMTP end-of-data marker even by a transport that forgot dot-stuffing.
///
/// Line breaks in the input (CRLF, LF or a lone CR) all become CRLF; the output ends in CRLF.
enum BodyEncoder {
    enum Encoding: Equatable {
        case sevenBit, quotedPrintable, base64

        var headerValue: String {
            switch self {
            case .sevenBit: return "7bit"
            case .quotedPrintable: return "quoted-printable"
            case .base64: return "base64"
            }
        }
    }

    static let longestLine = 998

    static func choose(for text: [UInt8]) -> Encoding {
        // Unsafe buffer and a lookup table: this runs over every body of every message.
        let kinds = byteKinds
        return text.withUnsafeBufferPointer { bytes in
            var nonASCII = 0
            var needsEncoding = false
            var lineLength = 0
            var previous: UInt8 = 0x0A
            for byte in bytes {
                let kind = kinds[Int(byte)]
                if kind == 0 {
                    lineLength &+= 1
                } else if kind == lineBreak {
                    lineLength = 0
                } else {
                    lineLength &+= 1
                    switch kind {
                    case nonASCIIKind: nonASCII &+= 1
                    case controlKind: needsEncoding = true
                    case dotKind: if previous == 0x0A || previous == 0x0D { needsEncoding = true }
                    case underscoreKind: if previous == UInt8(ascii: "=") { needsEncoding = true }
                    default: break
                    }
                }
                if lineLength > longestLine { needsEncoding = true }
                previous = byte
            }
            if nonASCII * 3 > bytes.count { return .base64 }
            return nonASCII > 0 || needsEncoding ? .quotedPrintable : .sevenBit
        }
    }

    private static let lineBreak: UInt8 = 1, nonASCIIKind: UInt8 = 2, controlKind: UInt8 = 3, dotKind: UInt8 = 4, underscoreKind: UInt8 = 5
    /// What `choose` must look at for each byte value; 0 for ordinary printable ASCII and TAB.
    private static let byteKinds: [UInt8] = (0...255).map { (value: Int) -> UInt8 in
        switch value {
        case 0x0A, 0x0D: return lineBreak
        case 0x80...: return nonASCIIKind
        case 0x09: return 0
        case 0..<0x20, 0x7F: return controlKind
        case 0x2E: return dotKind
        case 0x5F: return underscoreKind
        default: return 0
        }
    }

    static func encode(_ text: [UInt8], as encoding: Encoding, into output: inout [UInt8]) {
        switch encoding {
        case .sevenBit: appendLines(text, into: &output)
        case .quotedPrintable: appendQuotedPrintable(text, into: &output)
        case .base64:
            var normalized: [UInt8] = []
            normalized.reserveCapacity(text.count + text.count / 20)
            appendLines(text, into: &normalized)
            appendBase64(normalized, into: &output)
        }
    }

    /// The text with every line break as CRLF and a final CRLF.
    static func appendLines(_ text: [UInt8], into output: inout [UInt8]) {
        output.reserveCapacity(output.count + text.count + 2)
        text.withUnsafeBufferPointer { bytes in
            let count = bytes.count
            var runStart = 0
            var index = 0
            while index < count {
                let byte = bytes[index]
                if byte != 0x0D && byte != 0x0A {
                    index &+= 1
                    continue
                }
                // Copy the run before the break in one go, then write CRLF.
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                output.append(0x0D)
                output.append(0x0A)
                if byte == 0x0D && index + 1 < count && bytes[index + 1] == 0x0A { index &+= 1 }
                index &+= 1
                runStart = index
            }
            if runStart < count {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
            }
            if count == 0 || (bytes[count - 1] != 0x0A && bytes[count - 1] != 0x0D) {
                output.append(0x0D)
                output.append(0x0A)
            }
        }
    }

    private static let hex = Array("0123456789ABCDEF".utf8)

    /// RFC 2045 6.7: encoded lines at most 76 characters including the soft-break "=".
    static func appendQuotedPrintable(_ text: [UInt8], into output: inout [UInt8]) {
        var lineLength = 0
        var index = 0
        let count = text.count
        output.reserveCapacity(output.count + count + count / 8)
        while index < count {
            let byte = text[index]
            if byte == 0x0D || byte == 0x0A {
                output.append(0x0D); output.append(0x0A)
                if byte == 0x0D && index + 1 < count && text[index + 1] == 0x0A { index += 1 }
                lineLength = 0
                index += 1
                continue
            }
            let atLineEnd = index + 1 == count || text[index + 1] == 0x0D || text[index + 1] == 0x0A
            let literal: Bool
            switch byte {
            case 0x20, 0x09: literal = !atLineEnd
            case UInt8(ascii: "="): literal = false
            case UInt8(ascii: "."): literal = lineLength != 0
            case 0x21...0x7E: literal = true
            default: literal = false
            }
            let width = literal ? 1 : 3
            // Room for the character and, unless the line ends here, a soft break after it.
            if lineLength + width > (atLineEnd ? 76 : 75) {
                output.append(UInt8(ascii: "=")); output.append(0x0D); output.append(0x0A)
                lineLength = 0
                if byte == UInt8(ascii: ".") {
                    output.append(contentsOf: "=2E".utf8)
                    lineLength = 3
                    index += 1
                    continue
                }
            }
            if literal {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "="))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
            lineLength += width
            index += 1
        }
        if count == 0 || (text[count - 1] != 0x0A && text[count - 1] != 0x0D) {
            output.append(0x0D); output.append(0x0A)
        }
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Base64 in lines of 76 characters (RFC 2045 6.8), each ending in CRLF.
    static func appendBase64(_ bytes: [UInt8], into output: inout [UInt8]) {
        output.reserveCapacity(output.count + (bytes.count + 2) / 3 * 4 + bytes.count / 57 * 2 + 2)
        var index = 0
        let count = bytes.count
        var groups = 0
        while index < count {
            let first = bytes[index]
            let second: UInt8? = index + 1 < count ? bytes[index + 1] : nil
            let third: UInt8? = index + 2 < count ? bytes[index + 2] : nil
            let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(base64Alphabet[Int(group >> 18 & 0x3F)])
            output.append(base64Alphabet[Int(group >> 12 & 0x3F)])
            output.append(second == nil ? UInt8(ascii: "=") : base64Alphabet[Int(group >> 6 & 0x3F)])
            output.append(third == nil ? UInt8(ascii: "=") : base64Alphabet[Int(group & 0x3F)])
            index += 3
            groups += 1
            if groups == 19 {
                output.append(0x0D); output.append(0x0A)
                groups = 0
            }
        }
        if groups != 0 || count == 0 { output.append(0x0D); output.append(0x0A) }
    }
}
