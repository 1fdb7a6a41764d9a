/// A command the client sends, and its exact wire form.
///
/// Addresses and arguments reach this type already validated by the caller; the encoder still
/// refuses CR, LF and NUL so that no value can smuggle a second command onto the wire.
public enum SMTPCommand: Hashable, Sendable {
    case ehlo(domain: String)
    case helo(domain: String)
    case startTLS
    /// `AUTH mechanism [initial-response]` (RFC 4954).
    case auth(mechanism: String, initialResponse: String?)
    /// One line of an AUTH exchange answering a 334 challenge (base64, or `*` to cancel).
    case authResponse(String)
    case mailFrom(address: String, parameters: [String])
    case rcptTo(address: String, parameters: [String])
    case data
    /// RFC 3030 `BDAT size [LAST]`; the chunk's bytes follow the command line.
    case bdat(size: Int, last: Bool)
    case rset
    case noop
    case quit

    /// The stage a reply to this command belongs to.
    public var stage: SMTPStage {
        switch self {
        case .ehlo, .helo: return .ehlo
        case .startTLS: return .startTLS
        case .auth, .authResponse: return .auth
        case .mailFrom: return .mail
        case .rcptTo: return .rcpt
        case .data: return .data
        case .bdat: return .dot
        case .rset: return .rset
        case .noop: return .noop
        case .quit: return .quit
        }
    }

    /// The command line with its CRLF.
    public func encoded() throws(SMTPCommandError) -> String {
        let line: String
        switch self {
        case .ehlo(let domain): line = "EHLO \(domain)"
        case .helo(let domain): line = "HELO \(domain)"
        case .startTLS: line = "STARTTLS"
        case .auth(let mechanism, let initialResponse):
            // RFC 4954 section 4: an empty initial response is sent as "=".
            if let initialResponse {
                line = "AUTH \(mechanism) \(initialResponse.isEmpty ? "=" : initialResponse)"
            } else {
                line = "AUTH \(mechanism)"
            }
        case .authResponse(let response): line = response
        case .mailFrom(let address, let parameters):
            line = (["MAIL FROM:<\(address)>"] + parameters).joined(separator: " ")
        case .rcptTo(let address, let parameters):
            line = (["RCPT TO:<\(address)>"] + parameters).joined(separator: " ")
        case .data: line = "DATA"
        case .bdat(let size, let last): line = last ? "BDAT \(size) LAST" : "BDAT \(size)"
        case .rset: line = "RSET"
        case .noop: line = "NOOP"
        case .quit: line = "QUIT"
        }
        if line.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) {
            throw SMTPCommandError.controlCharacter(command: self.verb)
        }
        switch self {
        case .mailFrom(let address, _), .rcptTo(let address, _):
            try Self.validatePath(address, command: verb)
        default:
            break
        }
        if line.utf8.count > maximumLineLength - 2 {
            throw SMTPCommandError.lineTooLong(command: self.verb, length: line.utf8.count, limit: maximumLineLength)
        }
        return line + "\r\n"
    }

    /// RFC 5321 section 4.5.3.1.4 allows 512 octets per command line; RFC 4954 section 4 lets
    /// the lines of an AUTH exchange reach 12288 (OAuth2 tokens are kilobytes long).
    public var maximumLineLength: Int {
        switch self {
        case .authResponse: return 12288
        default: return 512
        }
    }

    /// Refuses what would let an address end the path early or add parameters: angle
    /// brackets, control characters, and spaces outside a quoted local part.
    private static func validatePath(_ address: String, command: String) throws(SMTPCommandError) {
        var inQuotes = false
        var escaped = false
        for byte in address.utf8 {
            if byte < 0x20 || byte == 0x7F { throw .controlCharacter(command: command) }
            if escaped { escaped = false; continue }
            switch byte {
            case UInt8(ascii: "\\") where inQuotes: escaped = true
            case UInt8(ascii: "\""): inQuotes.toggle()
            case UInt8(ascii: "<"), UInt8(ascii: ">"): throw .invalidAddress(command: command, address: address)
            case UInt8(ascii: " ") where !inQuotes: throw .invalidAddress(command: command, address: address)
            default: break
            }
        }
        if inQuotes { throw .invalidAddress(command: command, address: address) }
    }

    /// The verb alone, safe to log (an AUTH response carries a credential).
    public var verb: String {
        switch self {
        case .ehlo: return "EHLO"
        case .helo: return "HELO"
        case .startTLS: return "STARTTLS"
        case .auth(let mechanism, _): return "AUTH \(mechanism)"
        case .authResponse: return "AUTH response"
        case .mailFrom: return "MAIL FROM"
        case .rcptTo: return "RCPT TO"
        case .data: return "DATA"
        case .bdat: return "BDAT"
        case .rset: return "RSET"
        case .noop: return "NOOP"
        case .quit: return "QUIT"
        }
    }
}

/// Why a command could not be put on the wire.
public enum SMTPCommandError: Error, Hashable, Sendable, CustomStringConvertible {
    case controlCharacter(command: String)
    case lineTooLong(command: String, length: Int, limit: Int)
    case invalidAddress(command: String, address: String)

    public var description: String {
        switch self {
        case .controlCharacter(let command):
            return "\(command) argument contains a control character (CR, LF, NUL...); refusing to send it (it would inject a command)"
        case .lineTooLong(let command, let length, let limit):
            return "\(command) line is \(length + 2) octets, over the \(limit)-octet limit of RFC 5321 section 4.5.3.1.4"
        case .invalidAddress(let command, let address):
            return "\(command) address \(String(reflecting: address)) has <, > or an unquoted space; refusing to send it (it would inject parameters)"
        }
    }
}
