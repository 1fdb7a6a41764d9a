import Foundation

/// The TXT record a receiver fetches to check a signature (RFC 6376 section 3.6.1).
public struct DKIMDNSRecord: Sendable, Equatable {
    /// "selector._domainkey.example.org".
    public let name: String
    /// "v=DKIM1; k=rsa; p=MIIBIjAN..." as one string; DNS providers' web forms take it as is.
    public let value: String

    /// A zone-file line. One TXT character-string holds at most 255 bytes (RFC 1035 section
    /// 3.3), and a 2048-bit RSA value is about 400, so it is split into several quoted strings
    /// that receivers join back together.
    public var zoneFileLine: String {
        var pieces: [String] = []
        var rest = Substring(value)
        while !rest.isEmpty {
            pieces.append("\"\(rest.prefix(255))\"")
            rest = rest.dropFirst(255)
        }
        return "\(name). IN TXT ( \(pieces.joined(separator: " ")) )"
    }
}

extension DKIMSigningKey {
    /// The record to publish for this key under `selector` in `domain`.
    public func dnsRecord(selector: String, domain: String) throws -> DKIMDNSRecord {
        try DKIMNames.validate(selector: selector)
        try DKIMNames.validate(domain: domain)
        let publicKey = Data(try publicKeyBytes()).base64EncodedString()
        return DKIMDNSRecord(name: "\(selector)._domainkey.\(domain)",
                             value: "v=DKIM1; k=\(algorithm.keyType); p=\(publicKey)")
    }
}

/// Checks d= and s= before they go into a signature or a record name.
enum DKIMNames {
    static func validate(domain: String) throws {
        guard isLabelSequence(domain, allowUnderscore: false), domain.contains(".") else { throw DKIMError.invalidDomain(domain) }
    }

    static func validate(selector: String) throws {
        guard isLabelSequence(selector, allowUnderscore: true) else { throw DKIMError.invalidSelector(selector) }
    }

    private static func isLabelSequence(_ text: String, allowUnderscore: Bool) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        for label in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-" else { return false }
            for byte in label.utf8 {
                let ok = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || (allowUnderscore && byte == 0x5F)
                guard ok else { return false }
            }
        }
        return true
    }
}
