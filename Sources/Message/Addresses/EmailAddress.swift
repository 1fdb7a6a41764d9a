/// A mailbox: an addr-spec (local part and domain) with an optional display name, validated on
/// construction so every value can be sent.
///
/// ```swift
/// let address = try EmailAddress("\"Smith, John\" <John.Smith@Bücher.example>")
/// address.displayName   // "Smith, John"
/// address.smtpPath      // "John.Smith@xn--bcher-kva.example", what goes in MAIL FROM:<...>
/// address.normalizedKey // "John.Smith@xn--bcher-kva.example" with the domain lower-cased
/// ```
///
/// Equality compares every field as given; use `normalizedKey` to find the same mailbox written
/// twice.
public struct EmailAddress: Hashable, Sendable, CustomStringConvertible {
    /// The local part's value: quotes removed and quoted-pairs resolved, so `"john"@example.com`
    /// and `john@example.com` have the same local part. Case is kept: RFC 5321 2.4 lets the
    /// receiving host decide whether `John` and `john` are one mailbox.
    public let localPart: String
    public let domain: EmailDomain
    /// The phrase before `<...>`, unquoted; nil when there is none or it is empty.
    public let displayName: String?
    /// The local part as SMTP and headers carry it: the dot-atom when the value is one, otherwise
    /// a quoted string with '"' and '\' escaped (RFC 5321 4.1.2 prefers the dot-string form).
    public let smtpLocalPart: String

    /// Parses a mailbox: `user@example.com`, `Name <user@example.com>` or
    /// `"Smith, John" <user@example.com>`. Surrounding spaces are ignored.
    public init(_ mailbox: String) throws(MessageError) {
        let scalars = Array(mailbox.unicodeScalars)
        do {
            let parsed = try AddressParser.mailbox(scalars)
            try self.init(parsed: parsed)
        } catch {
            throw .invalidAddress(mailbox, problem: error.problem, offset: error.offset)
        }
    }

    /// An addr-spec and a display name given separately, as a campaign file has them. The display
    /// name may contain anything printable (commas, quotes, any script); it is quoted or encoded
    /// when a header is written.
    public init(addrSpec: String, displayName: String? = nil) throws(MessageError) {
        var parsed: AddressParser.Parsed
        let plain = PlainAddressScanner.scan(addrSpec)
        if let plain {
            parsed = AddressParser.Parsed(displayName: nil, localPart: plain.localPart, domain: .name(plain.domain),
                                          addrSpecStart: 0, addrSpecEnd: addrSpec.utf8.count)
        } else {
            do {
                parsed = try AddressParser.addrSpecOnly(Array(addrSpec.unicodeScalars))
            } catch {
                throw .invalidAddress(addrSpec, problem: error.problem, offset: error.offset)
            }
        }
        if let displayName {
            if let (scalar, offset) = firstControlCharacter(in: displayName) {
                throw .forbiddenCharacter(scalar, offset: offset, field: "display name")
            }
            let trimmed = displayName.trimmingSpaces
            parsed.displayName = trimmed.isEmpty ? nil : trimmed
        }
        do {
            try self.init(parsed: parsed, localPartIsDotAtom: plain != nil)
        } catch {
            throw .invalidAddress(addrSpec, problem: error.problem, offset: error.offset)
        }
    }

    /// `localPartIsDotAtom`: the scanner already knows, and the check is the costly part.
    private init(parsed: AddressParser.Parsed, localPartIsDotAtom: Bool = false) throws(AddressFailure) {
        let smtpLocalPart = localPartIsDotAtom ? parsed.localPart : Self.smtpLocalPart(for: parsed.localPart)
        guard smtpLocalPart.utf8.count <= 64 else {
            throw AddressFailure(.localPartTooLong(octets: smtpLocalPart.utf8.count), at: parsed.addrSpecStart)
        }
        let pathOctets = smtpLocalPart.utf8.count + 1 + parsed.domain.smtpForm.utf8.count + 2
        guard pathOctets <= 256 else { throw AddressFailure(.pathTooLong(octets: pathOctets), at: parsed.addrSpecStart) }
        self.localPart = parsed.localPart
        self.domain = parsed.domain
        self.displayName = parsed.displayName
        self.smtpLocalPart = smtpLocalPart
    }

    /// Exactly what goes between the angle brackets of `MAIL FROM:<...>` and `RCPT TO:<...>`, and
    /// the addr-spec in headers: the SMTP local part, '@', and the domain in ASCII form.
    public var smtpPath: String { smtpLocalPart + "@" + domain.smtpForm }

    /// The same mailbox gives the same key: domain lower-cased (domains are case-insensitive),
    /// local part in its canonical SMTP form with its case kept.
    public var normalizedKey: String { smtpLocalPart + "@" + domain.normalizedForm }

    /// A non-ASCII local part can only be delivered to a server that offers SMTPUTF8 (RFC 6531);
    /// there is no ASCII form to convert it to. (Non-ASCII domains are converted to A-labels.)
    public var requiresSMTPUTF8: Bool { !localPart.unicodeScalars.allSatisfy(\.isASCII) }

    /// The same address with another display name (nil removes it).
    public func withDisplayName(_ displayName: String?) throws(MessageError) -> EmailAddress {
        try EmailAddress(addrSpec: smtpPath, displayName: displayName)
    }

    /// For logs and previews, not for headers (no encoding): `Name <path>` or the path.
    public var description: String {
        guard let displayName else { return smtpPath }
        return "\(PhraseSyntax.isPlainPhrase(displayName) ? displayName : PhraseSyntax.quotedString(displayName)) <\(smtpPath)>"
    }

    static func smtpLocalPart(for value: String) -> String {
        let atoms = value.unicodeScalars.split(separator: ".", omittingEmptySubsequences: false)
        if !value.isEmpty && atoms.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isAtext) }) {
            return value
        }
        return PhraseSyntax.quotedString(value)
    }
}

extension String {
    /// Without leading and trailing spaces (U+0020 only; other whitespace is not trimmed).
    var trimmingSpaces: String {
        // Nearly always nothing to trim: answer without building a new string.
        if utf8.first != 0x20 && utf8.last != 0x20 { return self }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " }), let last = scalars.lastIndex(where: { $0 != " " }) else {
            return ""
        }
        return String(scalars[first...last])
    }
}
