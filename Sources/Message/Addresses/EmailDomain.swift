/// The part of an address after the '@', already in the form SMTP sends.
///
/// Equality is exact (`Example.COM` differs from `example.com`), because the value keeps what the
/// operator wrote for display; compare `normalizedForm` to find duplicates.
public enum EmailDomain: Hashable, Sendable, CustomStringConvertible {
    /// A host name in ASCII: ASCII labels as written, internationalized labels as lower-case
    /// A-labels ("xn--...").
    case name(String)
    /// An IPv4 address literal, without brackets ("192.0.2.1").
    case ipv4(String)
    /// An IPv6 address literal, without brackets and tag ("2001:db8::1").
    case ipv6(String)

    /// Parses a domain on its own (a host name or an address literal in brackets).
    public init(_ text: String) throws(MessageError) {
        let scalars = Array(text.unicodeScalars)
        if let control = scalars.firstIndex(where: \.isMessageControl) {
            throw .invalidDomain(text, problem: .controlCharacter(scalars[control]), offset: control)
        }
        do {
            self = try DomainParser.parse(scalars, in: 0..<scalars.count)
        } catch {
            throw .invalidDomain(text, problem: error.problem, offset: error.offset)
        }
    }

    /// What goes after the '@' in MAIL FROM / RCPT TO and in header addr-specs.
    public var smtpForm: String {
        switch self {
        case .name(let name): return name
        case .ipv4(let address): return "[\(address)]"
        case .ipv6(let address): return "[IPv6:\(address)]"
        }
    }

    /// For people: A-labels decoded back to Unicode.
    public var unicodeForm: String {
        switch self {
        case .name(let name): return IDNA.toUnicode(name)
        default: return smtpForm
        }
    }

    /// Lower-cased ASCII form: domains are case-insensitive (RFC 5321 2.4), so two addresses
    /// whose domains differ only in case reach the same mailbox.
    public var normalizedForm: String {
        switch self {
        case .name(let name): return name.lowercased()
        case .ipv4(let address):
            // "192.0.2.010" and "192.0.2.10" are the same host.
            return "[" + address.split(separator: ".").map { String(Int($0) ?? 0) }.joined(separator: ".") + "]"
        case .ipv6(let address):
            // Hex digits are case-insensitive; different zero compressions are not unified.
            return "[ipv6:\(address.lowercased())]"
        }
    }

    public var isAddressLiteral: Bool {
        if case .name = self { return false }
        return true
    }

    public var description: String { smtpForm }
}
