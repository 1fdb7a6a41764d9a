/// What the server advertised in its EHLO reply (RFC 5321 section 4.1.1.1), parsed once.
public struct ServerExtensions: Hashable, Sendable {
    /// The server's name from the first EHLO line.
    public var serverName: String
    /// RFC 1870 SIZE: nil when not advertised, 0 when advertised without a limit.
    public var maximumSize: Int?
    public var pipelining: Bool
    public var eightBitMIME: Bool
    public var smtpUTF8: Bool
    public var enhancedStatusCodes: Bool
    public var startTLS: Bool
    public var chunking: Bool
    public var binaryMIME: Bool
    /// Upper-cased SASL mechanisms from `AUTH` (and the old `AUTH=` form some servers still send).
    public var authMechanisms: [String]
    /// Every keyword line, upper-cased keyword first, for reports.
    public var keywords: [String]

    public init(serverName: String = "", maximumSize: Int? = nil, pipelining: Bool = false, eightBitMIME: Bool = false,
                smtpUTF8: Bool = false, enhancedStatusCodes: Bool = false, startTLS: Bool = false, chunking: Bool = false,
                binaryMIME: Bool = false, authMechanisms: [String] = [], keywords: [String] = []) {
        self.serverName = serverName
        self.maximumSize = maximumSize
        self.pipelining = pipelining
        self.eightBitMIME = eightBitMIME
        self.smtpUTF8 = smtpUTF8
        self.enhancedStatusCodes = enhancedStatusCodes
        self.startTLS = startTLS
        self.chunking = chunking
        self.binaryMIME = binaryMIME
        self.authMechanisms = authMechanisms
        self.keywords = keywords
    }

    /// What a HELO-only server offers: nothing.
    public static let none = ServerExtensions()

    /// Parses a 250 reply to EHLO.
    public init(ehloReply reply: SMTPReply) {
        self.init()
        // Enhanced codes are stripped by the parser, but a 250 to EHLO rarely carries one; the
        // lines are keyword lines either way.
        serverName = reply.lines.first.map { String($0.split(separator: " ").first ?? "") } ?? ""
        for line in reply.lines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" }).map(String.init)
            guard let keyword = words.first?.uppercased() else { continue }
            keywords.append(([keyword] + words.dropFirst()).joined(separator: " "))
            switch keyword {
            case "SIZE": maximumSize = words.count > 1 ? Int(words[1]) ?? 0 : 0
            case "PIPELINING": pipelining = true
            case "8BITMIME": eightBitMIME = true
            case "SMTPUTF8": smtpUTF8 = true
            case "ENHANCEDSTATUSCODES": enhancedStatusCodes = true
            case "STARTTLS": startTLS = true
            case "CHUNKING": chunking = true
            case "BINARYMIME": binaryMIME = true
            case "AUTH":
                for mechanism in words.dropFirst().map({ $0.uppercased() }) where !authMechanisms.contains(mechanism) {
                    authMechanisms.append(mechanism)
                }
            default: break
            }
        }
    }
}
