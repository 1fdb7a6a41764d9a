/// Character classes from the grammars this module follows, named as the RFCs name them so a
/// reader can check each one against the ABNF.
extension Unicode.Scalar {
    /// RFC 5322 3.2.3 atext, ASCII part: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    var isASCIIAtext: Bool {
        switch value {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39: return true
        default: return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(self)
        }
    }

    /// atext as extended by RFC 6532 3.2: non-ASCII characters count too (SMTPUTF8), except
    /// invisible ones (no-break and zero-width spaces, format and private-use characters), which
    /// in a recipient list are copy-and-paste accidents rather than anybody's mailbox.
    var isAtext: Bool { isASCIIAtext || (!isASCII && isVisibleNonASCII) }

    var isVisibleNonASCII: Bool {
        switch properties.generalCategory {
        case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
            return false
        default:
            return true
        }
    }

    /// RFC 5321 4.1.2 qtextSMTP (printable ASCII and space except '"' and '\'), plus non-ASCII
    /// per RFC 6531.
    var isQuotedText: Bool {
        switch value {
        case 32, 33, 35...91, 93...126: return true
        default: return !isASCII && isVisibleNonASCII
        }
    }

    /// C0 controls (including TAB, CR and LF), DEL and C1 controls (including NEL, U+0085, which
    /// some software treats as a line break). None of them belongs in an address, a display name,
    /// a file name or a header value, and CR/LF would let a value start a new header line.
    var isMessageControl: Bool {
        value < 0x20 || value == 0x7F || (0x80...0x9F).contains(value)
    }

    /// SP or HTAB: the only whitespace RFC 5322 folds at.
    var isFoldingWhitespace: Bool { value == 0x20 || value == 0x09 }

    var isASCIIDigit: Bool { (0x30...0x39).contains(value) }
    var isASCIILetter: Bool { (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) }
    var isASCIIHexDigit: Bool { isASCIIDigit || (0x41...0x46).contains(value) || (0x61...0x66).contains(value) }

    /// RFC 5322 3.4.1 dtext: printable ASCII except '[', ']' and '\'.
    var isDomainLiteralText: Bool {
        (33...90).contains(value) || (94...126).contains(value)
    }
}

/// The first control character in a value, with its scalar offset, for the checks that refuse them.
func firstControlCharacter(in text: String, allowingTab: Bool = false) -> (scalar: Unicode.Scalar, offset: Int)? {
    for (offset, scalar) in text.unicodeScalars.enumerated() where scalar.isMessageControl {
        if allowingTab && scalar == "\t" { continue }
        return (scalar, offset)
    }
    return nil
}
