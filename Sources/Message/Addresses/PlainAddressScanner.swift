/// The common case of an addr-spec, checked on its UTF-8 bytes: an ASCII dot-atom local part
/// and an ASCII host name (letters, digits and hyphens), as nearly every address in a list is.
///
/// Why: a million-recipient submit validates every address in mailctl and again in maild; the
/// general parser works on Unicode scalars with exact offsets for its errors, which costs
/// microseconds per address. This scanner only ever says "plain and valid" or "ask the parser":
/// anything unusual (quotes, Unicode, `xn--` labels, address literals, any failure) goes to
/// `AddressParser`, so errors and edge cases have one implementation. A property test checks
/// that every address it accepts parses to the same value.
enum PlainAddressScanner {
    struct Plain {
        var localPart: String
        var domain: String
    }

    static func scan(_ addrSpec: String) -> Plain? {
        var text = addrSpec
        return text.withUTF8 { bytes -> Plain? in
            guard let at = localPartEnd(bytes), domainIsPlain(bytes, from: at + 1) else { return nil }
            // Path = "<" local "@" domain ">", at most 256 octets (RFC 5321 4.5.3.1.3).
            guard bytes.count + 2 <= 256 else { return nil }
            let local = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<at]), as: UTF8.self)
            let domain = String(decoding: UnsafeBufferPointer(rebasing: bytes[(at + 1)...]), as: UTF8.self)
            return Plain(localPart: local, domain: domain)
        }
    }

    /// The index of the '@' after a dot-atom local part of at most 64 octets, or nil.
    private static func localPartEnd(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        var previousWasDot = true  // a leading dot is refused like a doubled one
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "@") {
                guard index > 0, !previousWasDot, index <= 64 else { return nil }
                return index
            }
            if byte == UInt8(ascii: ".") {
                if previousWasDot { return nil }
                previousWasDot = true
            } else {
                guard isAtext(byte) else { return nil }
                previousWasDot = false
            }
            index += 1
        }
        return nil
    }

    /// Labels of 1 to 63 letters, digits and inner hyphens, not `xn--`, a top-level label that is
    /// not all digits, at most 255 octets.
    private static func domainIsPlain(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        let end = bytes.count
        guard start < end, end - start <= 255 else { return false }
        var labelStart = start
        var labelAllDigits = true
        var index = start
        while index <= end {
            if index == end || bytes[index] == UInt8(ascii: ".") {
                let length = index - labelStart
                guard length >= 1, length <= 63 else { return false }
                guard bytes[labelStart] != UInt8(ascii: "-"), bytes[index - 1] != UInt8(ascii: "-") else { return false }
                // "xn--" labels need the IDNA checks of the full parser.
                if length >= 4, bytes[labelStart + 2] == UInt8(ascii: "-"), bytes[labelStart + 3] == UInt8(ascii: "-") {
                    return false
                }
                if index == end { return !labelAllDigits }
                labelStart = index + 1
                labelAllDigits = true
            } else {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): break
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "-"):
                    labelAllDigits = false
                default:
                    return false
                }
            }
            index += 1
        }
        return false
    }

    /// RFC 5322 atext, ASCII only.
    private static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "?"),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"),
             UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
