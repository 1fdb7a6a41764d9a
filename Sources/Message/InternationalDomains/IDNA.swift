import Foundation

/// Internationalized domain names (IDNA2008, RFC 5890-5891) as far as a sender needs them: a
/// domain typed with Unicode labels becomes the A-label form ("xn--...") that SMTP and DNS use.
///
/// What is done:
/// - U+3002, U+FF0E and U+FF61 (ideographic and fullwidth full stops) separate labels, as in
///   UTS #46;
/// - a label with non-ASCII characters is lower-cased (Unicode default case mapping), normalized
///   to NFC and Punycode-encoded (RFC 3492) behind "xn--";
/// - labels are 1 to 63 octets in ASCII form, never start or end with '-', and a U-label has no
///   "--" in positions 3 and 4 and does not start with a combining mark (RFC 5891 4.2.3);
/// - non-ASCII characters must be letters, combining marks or decimal digits (general categories
///   L*, Mn, Mc, Nd), which excludes spaces, punctuation, symbols and emoji;
/// - an existing "xn--" label must decode to a U-label that obeys the rules above and
///   re-encode to itself (`isValidALabel`).
///
/// What is not done: the full UTS #46 mapping table (fullwidth ASCII, compatibility forms,
/// deviation characters such as ß and ς are kept, not mapped), the exact RFC 5892 PVALID
/// derivation, the CONTEXTJ/CONTEXTO rules and the Bidi rule (RFC 5893). A domain that only those
/// would reject gets an A-label that does not resolve, so the message bounces as for any other
/// unknown domain; nothing unsafe is produced.
public enum IDNA {
    /// The ASCII form of a host name (`münchen.de` -> `xn--mnchen-3ya.de`). ASCII labels keep
    /// their case; address literals are not host names and are refused.
    public static func toASCII(_ domain: String) throws(MessageError) -> String {
        let scalars = Array(domain.unicodeScalars)
        do {
            return try DomainParser.hostName(scalars, in: 0..<scalars.count)
        } catch {
            throw .invalidDomain(domain, problem: error.problem, offset: error.offset)
        }
    }

    /// The form to show people: every "xn--" label that decodes is shown decoded, anything else
    /// as it is. Never fails, because it is only for display.
    public static func toUnicode(_ domain: String) -> String {
        domain.split(separator: ".", omittingEmptySubsequences: false).map { original in
            // A-labels are case-insensitive; the U-label is the lower-case form.
            let label = original.lowercased()
            guard label.hasPrefix("xn--"), let decoded = try? Punycode.decode(String(label.dropFirst(4))) else {
                return String(original)
            }
            return decoded
        }.joined(separator: ".")
    }

    /// One label in ASCII form. Offsets in failures are indices into the caller's scalar array.
    static func asciiLabel(_ label: ArraySlice<Unicode.Scalar>) throws(AddressFailure) -> String {
        let start = label.startIndex
        var isASCII = true
        for index in label.indices {
            let scalar = label[index]
            if scalar.isASCII {
                guard scalar.isASCIILetter || scalar.isASCIIDigit || scalar == "-" else {
                    throw AddressFailure(.unexpectedCharacter(scalar, in: .domain), at: index)
                }
            } else {
                isASCII = false
                guard isAllowedInLabel(scalar) else {
                    throw AddressFailure(.disallowedInInternationalDomain(scalar), at: index)
                }
            }
        }
        let text = String(String.UnicodeScalarView(label))
        if isASCII {
            guard label.count <= 63 else { throw AddressFailure(.labelTooLong(label: text, octets: label.count), at: start) }
            guard label.first != "-", label.last != "-" else {
                throw AddressFailure(.labelStartsOrEndsWithHyphen(label: text), at: start)
            }
            if text.lowercased().hasPrefix("xn--") && !isValidALabel(text) {
                throw AddressFailure(.invalidALabel(text), at: start)
            }
            return text
        }

        let unicode = text.lowercased().precomposedStringWithCanonicalMapping
        if let problem = uLabelProblem(unicode, label: text) { throw AddressFailure(problem, at: start) }
        let encoded: String
        do {
            encoded = "xn--" + (try Punycode.encode(unicode))
        } catch {
            throw AddressFailure(.labelTooLong(label: text, octets: Int.max), at: start)
        }
        guard encoded.utf8.count <= 63 else {
            throw AddressFailure(.labelTooLong(label: text, octets: encoded.utf8.count), at: start)
        }
        return encoded
    }

    /// Whether an "xn--" label is the A-label of a valid U-label (RFC 5891 5.4): it decodes,
    /// the result obeys every rule a typed U-label must (`uLabelProblem`: no '-' at either end,
    /// no "--" in positions 3 and 4, no leading combining mark, only letters, marks and
    /// digits), and it encodes back to the same label. The round trip alone let through labels
    /// whose U-label ends with '-', so the domain shown to people was no domain at all (found
    /// by Tests/Fuzz, target address); this check no longer relies on its caller for that.
    static func isValidALabel(_ label: String) -> Bool {
        guard label.lowercased().hasPrefix("xn--") else { return false }
        let body = String(label.dropFirst(4))
        guard let decoded = try? Punycode.decode(body), decoded.unicodeScalars.contains(where: { !$0.isASCII }),
              decoded.unicodeScalars.allSatisfy({ $0.isASCII ? $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" : isAllowedInLabel($0) }) else {
            return false
        }
        // The round trip makes the decoded label its own lower-case NFC form (ASCII case
        // aside, which A-labels ignore), so the rules see what toASCII would have seen.
        let normalized = decoded.lowercased().precomposedStringWithCanonicalMapping
        guard uLabelProblem(normalized, label: normalized) == nil, let again = try? Punycode.encode(normalized) else {
            return false
        }
        return again == body.lowercased()
    }

    /// The RFC 5891 4.2.3 rules on a lower-cased, NFC label that has non-ASCII characters.
    /// `label` is the text the problem names.
    private static func uLabelProblem(_ unicode: String, label: String) -> AddressProblem? {
        let scalars = Array(unicode.unicodeScalars)
        guard scalars.first != "-", scalars.last != "-" else { return .labelStartsOrEndsWithHyphen(label: label) }
        if scalars.count >= 4 && scalars[2] == "-" && scalars[3] == "-" {
            return .hyphensInThirdAndFourthPosition(label: label)
        }
        if let first = scalars.first, isCombiningMark(first) { return .disallowedInInternationalDomain(first) }
        return nil
    }

    private static func isAllowedInLabel(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .decimalNumber:
            return true
        default:
            return false
        }
    }

    private static func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }
}
