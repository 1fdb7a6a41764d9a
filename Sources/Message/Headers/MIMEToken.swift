/// RFC 2045 5.1 tokens (content types, dispositions, parameter names) and RFC 2231 attribute-chars.
enum MIMEToken {
    /// tspecials of RFC 2045 5.1.
    private static let specials = Set("()<>@,;:\\\"/[]?=".unicodeScalars)

    /// Printable ASCII except space and tspecials.
    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        (0x21...0x7E).contains(scalar.value) && !specials.contains(scalar)
    }

    /// RFC 2231 7 attribute-char: a token character other than '*', ''' and '%', which have
    /// meaning in extended parameters. These stand for themselves when percent-encoding.
    static func isAttributeCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isTokenCharacter(scalar) && scalar != "*" && scalar != "'" && scalar != "%"
    }

    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy(isTokenCharacter)
    }

    /// Checks a value of the form `token` or `token/token` (a disposition or a media type).
    static func validateValue(_ text: String, field: String) throws(MessageError) {
        try validate(text, field: field, allowSlash: true, isAllowed: isTokenCharacter)
    }

    static func validateParameterName(_ text: String, field: String) throws(MessageError) {
        try validate(text, field: field, allowSlash: false, isAllowed: isAttributeCharacter)
    }

    private static func validate(
        _ text: String, field: String, allowSlash: Bool, isAllowed: (Unicode.Scalar) -> Bool
    ) throws(MessageError) {
        let scalars = Array(text.unicodeScalars)
        guard (1...76).contains(scalars.count) else { throw .invalidToken(text, offset: nil, field: field) }
        if let control = scalars.firstIndex(where: \.isMessageControl) {
            throw .forbiddenCharacter(scalars[control], offset: control, field: field)
        }
        var slashes = 0
        for (offset, scalar) in scalars.enumerated() {
            if allowSlash && scalar == "/" && offset > 0 && offset < scalars.count - 1 && slashes == 0 {
                slashes += 1
                continue
            }
            guard isAllowed(scalar) else { throw .invalidToken(text, offset: offset, field: field) }
        }
    }
}
