/// Renders header fields as they go on the wire: `Name: value`, folded into lines that end in
/// CRLF, at most 78 characters where the content allows and never over 998 (RFC 5322 2.1.1,
/// 2.2.3), with non-ASCII text as RFC 2047 encoded-words and parameters per RFC 2231.
///
/// Every value is checked for CR, LF and other control characters first and refused with
/// `MessageError.forbiddenCharacter`: a value can never start a header line of its own, however
/// it was built (header injection), and folding is only ever done here.
///
/// ```swift
/// let encoder = HeaderEncoder()
/// try encoder.encode(name: "Subject", value: "Grüße aus München")
/// // "Subject: =?UTF-8?B?R3LDvMOfZQ==?= aus =?UTF-8?Q?M=C3=BCnchen?=\r\n" (B or Q, whichever is shorter)
/// try encoder.encode(name: "To", addresses: [try EmailAddress("\"Smith, John\" <john@example.com>")])
/// // "To: \"Smith, John\" <john@example.com>\r\n"
/// try encoder.encode(name: "Content-Disposition", value: "attachment",
///                    parameters: [HeaderParameter(name: "filename", value: "Rechnung März.pdf")])
/// // "Content-Disposition: attachment; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf\r\n"
/// ```
public struct HeaderEncoder: Sendable {
    public init() {}

    /// An unstructured field (Subject, Comments, X-...): any text; leading and trailing
    /// whitespace is dropped, TAB is kept as whitespace, other control characters are refused.
    /// Not for address or MIME fields, whose syntax encoded-words would break.
    public func encode(name: String, value: String) throws(MessageError) -> String {
        try Self.validateName(name)
        if let (scalar, offset) = firstControlCharacter(in: value, allowingTab: true) {
            throw .forbiddenCharacter(scalar, offset: offset, field: name)
        }
        var folder = HeaderFolder(name: name)
        UnstructuredText.append(value, to: &folder)
        return folder.finish()
    }

    /// An address field (From, To, Cc, Reply-To, Sender): mailboxes separated by commas. A
    /// display name is written as atoms when it can be, as a quoted string when it is ASCII with
    /// specials (a comma, a dot, a quote), and as encoded-words when it has non-ASCII text or a
    /// piece too long for a line; the addr-spec is never encoded. An address that
    /// `requiresSMTPUTF8` is written in UTF-8 (RFC 6532), so the message must then be sent with
    /// SMTPUTF8.
    public func encode(name: String, addresses: [EmailAddress]) throws(MessageError) -> String {
        try Self.validateName(name)
        guard !addresses.isEmpty else { throw .emptyAddressList(field: name) }
        var folder = HeaderFolder(name: name)
        for (index, address) in addresses.enumerated() {
            let comma = index < addresses.count - 1 ? "," : ""
            guard let displayName = address.displayName else {
                folder.appendWhole(address.smtpPath + comma, after: " ")
                continue
            }
            // EmailAddress refuses these already; checked again because this is the last place
            // before the wire.
            if let (scalar, offset) = firstControlCharacter(in: displayName) {
                throw .forbiddenCharacter(scalar, offset: offset, field: "\(name) display name")
            }
            Self.appendDisplayName(displayName, to: &folder)
            folder.appendWhole("<" + address.smtpPath + ">" + comma, after: " ")
        }
        return folder.finish()
    }

    /// A MIME field with parameters (Content-Type, Content-Disposition): `value` is a token or
    /// `type/subtype`; parameter names are tokens; parameter values are any text without control
    /// characters (so a file name cannot carry CR or LF even percent-encoded).
    public func encode(name: String, value: String, parameters: [HeaderParameter]) throws(MessageError) -> String {
        try Self.validateName(name)
        try MIMEToken.validateValue(value, field: name)
        for parameter in parameters {
            try MIMEToken.validateParameterName(parameter.name, field: "\(name) parameter name")
            if let (scalar, offset) = firstControlCharacter(in: parameter.value) {
                throw .forbiddenCharacter(scalar, offset: offset, field: "\(name) parameter \(parameter.name)")
            }
        }
        var pieces = [value]
        for parameter in parameters {
            pieces += ParameterValue.segments(name: parameter.name, value: parameter.value)
        }
        var folder = HeaderFolder(name: name)
        for (index, piece) in pieces.enumerated() {
            folder.appendWhole(index < pieces.count - 1 ? piece + ";" : piece, after: " ")
        }
        return folder.finish()
    }

    /// RFC 5322 2.2 field-name: printable ASCII except ':' (ftext). At most 76 characters so that
    /// "Name: " fits in a 78-character line.
    static func validateName(_ name: String) throws(MessageError) {
        let scalars = Array(name.unicodeScalars)
        guard (1...76).contains(scalars.count) else { throw .invalidHeaderName(name, offset: nil) }
        if let control = scalars.firstIndex(where: \.isMessageControl) {
            throw .forbiddenCharacter(scalars[control], offset: control, field: "header name")
        }
        if let bad = scalars.firstIndex(where: { !(33...126).contains($0.value) || $0 == ":" }) {
            throw .invalidHeaderName(name, offset: bad)
        }
    }

    /// The longest atom or quoted string written as it is: with the space before it, it fits a
    /// line of 78. Anything longer cannot be folded (a fold goes before whitespace), so it is sent
    /// as encoded-words, which can be cut anywhere; without this a name of one 1,000-letter
    /// word gave a 1,004-octet line, over RFC 5322's 998.
    static let longestUnfoldableDisplayNamePiece = HeaderFolder.preferredLineLength - 1

    private static func appendDisplayName(_ displayName: String, to folder: inout HeaderFolder) {
        // "=?" in plain or quoted text would be decoded by lenient parsers as an encoded-word.
        let looksEncoded = displayName.contains("=?")
        let isASCII = displayName.unicodeScalars.allSatisfy(\.isASCII)
        let longest = longestUnfoldableDisplayNamePiece
        if isASCII && !looksEncoded && PhraseSyntax.isPlainPhrase(displayName) {
            let words = displayName.split(separator: " ")
            if words.allSatisfy({ $0.utf8.count <= longest }) {
                for word in words { folder.appendWhole(String(word), after: " ") }
                return
            }
        }
        let quoted = PhraseSyntax.quotedString(displayName)
        if isASCII && !looksEncoded && quoted.utf8.count <= longest {
            folder.appendWhole(quoted, after: " ")
            return
        }
        folder.appendEncoded(displayName, after: " ", encoding: EncodedWord.preferredEncoding(for: displayName))
    }
}
