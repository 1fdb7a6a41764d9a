import Foundation

/// Signs rendered messages for one domain and selector (RFC 6376, RFC 8463). A value type over
/// an immutable key: one signer can serve every worker at once, each call uses its own OpenSSL
/// contexts.
public struct DKIMSigner: Sendable {
    /// RFC 6376 section 5.4.1's recommended set plus what bulk mail adds (RFC 8058 one-click
    /// unsubscribe, Feedback-ID for Gmail's feedback loop). Only those present are signed.
    public static let defaultHeaders = [
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID", "In-Reply-To", "References",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "List-Id", "List-Unsubscribe",
        "List-Unsubscribe-Post", "Feedback-ID", "Sender",
    ]

    /// Headers whose addition after signing would change what the reader sees or does; each is
    /// listed in h= once more than it occurs, so a second copy added in transit breaks the
    /// signature (RFC 6376 section 8.15).
    public static let defaultOversigned = [
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "List-Unsubscribe", "List-Unsubscribe-Post",
    ]

    public let domain: String
    public let selector: String
    public let key: DKIMSigningKey
    public let canonicalization: DKIMCanonicalizationPair
    /// x= is t= plus this many seconds, when set. Receivers then ignore the signature after it.
    public let expiry: Int?

    /// Lowercased names to sign, in h= order, From first and duplicates removed.
    private let names: [String]
    private let nameBytes: [[UInt8]]
    private let oversigned: [Bool]
    private let fixedTags: [String]

    /// - Parameters:
    ///   - headers: names to sign when present (case-insensitive); From is always added.
    ///   - oversign: names listed once more than they occur, to refuse added copies.
    ///   - expiry: seconds after the signing time for x=, or nil for none.
    public init(domain: String, selector: String, key: DKIMSigningKey, headers: [String] = DKIMSigner.defaultHeaders,
                oversign: [String] = DKIMSigner.defaultOversigned,
                canonicalization: DKIMCanonicalizationPair = .relaxed, expiry: Int? = nil) throws {
        try DKIMNames.validate(domain: domain)
        try DKIMNames.validate(selector: selector)
        var names = ["from"]
        for header in headers {
            guard !header.isEmpty, header.utf8.allSatisfy({ (33...126).contains($0) && $0 != 0x3A }) else {
                throw DKIMError.invalidHeaderName(header)
            }
            let lowered = header.lowercased()
            // Signing the signature itself would make it unverifiable (section 3.5, h=).
            if lowered == "dkim-signature" { throw DKIMError.invalidHeaderName(header) }
            if !names.contains(lowered) { names.append(lowered) }
        }
        let oversignSet = Set(oversign.map { $0.lowercased() })
        self.domain = domain
        self.selector = selector
        self.key = key
        self.canonicalization = canonicalization
        self.expiry = expiry
        self.names = names
        self.nameBytes = names.map { Array($0.utf8) }
        self.oversigned = names.map { oversignSet.contains($0) }
        self.fixedTags = ["v=1;", "a=\(key.algorithm.rawValue);", "c=\(canonicalization.tagValue);", "d=\(domain);", "s=\(selector);"]
    }

    /// The complete "DKIM-Signature: ...\r\n" field to put in front of `message`.
    ///
    /// `message` is the rendered message as it goes into SMTP DATA: CRLF line endings, headers,
    /// the empty line, the body, not dot-stuffed.
    public func sign(message: [UInt8], at date: Date) throws -> [UInt8] {
        try message.withUnsafeBufferPointer { try sign(buffer: $0, at: date) }
    }

    /// The DKIM-Signature field followed by `message`: what goes into DATA.
    public func signed(message: [UInt8], at date: Date) throws -> [UInt8] {
        var header = try sign(message: message, at: date)
        header.append(contentsOf: message)
        return header
    }

    private func sign(buffer message: UnsafeBufferPointer<UInt8>, at date: Date) throws -> [UInt8] {
        let layout = try MessageHeaderFields(parsing: message)
        let fromCount = layout.fields.reduce(0) { count, field in
            count + (MessageHeaderFields.name(of: field, in: message, equals: nameBytes[0]) ? 1 : 0)
        }
        guard fromCount > 0 else { throw DKIMError.missingFromHeader }
        guard fromCount == 1 else { throw DKIMError.multipleFromHeaders(count: fromCount) }

        let bodyHash = try bodyHash(UnsafeBufferPointer(rebasing: message[layout.bodyStart...]))

        // Header hash input: the chosen fields, each name's instances from the bottom up
        // (section 5.4.2); an oversigned extra listing matches nothing and adds nothing.
        var hashInput: [UInt8] = []
        hashInput.reserveCapacity(layout.bodyStart + 1024)
        var listed: [String] = []
        listed.reserveCapacity(names.count + 8)
        var matches: [Int] = []
        for (index, name) in nameBytes.enumerated() {
            matches.removeAll(keepingCapacity: true)
            for (fieldIndex, field) in layout.fields.enumerated()
            where MessageHeaderFields.name(of: field, in: message, equals: name) {
                matches.append(fieldIndex)
            }
            guard !matches.isEmpty else {
                // An oversigned name the message lacks is listed once anyway: it hashes as
                // nothing (section 5.4), and a copy added in transit (a Reply-To pointing
                // elsewhere, a Cc) then breaks the signature (section 8.15).
                if oversigned[index] { listed.append(names[index]) }
                continue
            }
            for fieldIndex in matches.reversed() {
                let field = layout.fields[fieldIndex]
                HeaderCanonicalizer.append(field: UnsafeBufferPointer(rebasing: message[field.start..<field.end]),
                                           using: canonicalization.header, to: &hashInput)
                listed.append(names[index])
            }
            if oversigned[index] { listed.append(names[index]) }
        }

        let timestamp = Int(date.timeIntervalSince1970.rounded(.down))
        var folder = SignatureHeaderFolder()
        for tag in fixedTags { folder.appendTag(tag) }
        folder.appendTag("t=\(timestamp);")
        if let expiry { folder.appendTag("x=\(timestamp + expiry);") }
        folder.appendHeaderList(listed)
        folder.appendBase64Tag("bh")
        folder.appendBase64(Data(bodyHash).base64EncodedString(), terminator: ";")
        folder.appendBase64Tag("b")

        // The signature field itself, with an empty b=, ends the input without its CRLF
        // (section 3.7).
        var unsigned = folder.bytes
        unsigned.append(contentsOf: [0x0D, 0x0A])
        unsigned.withUnsafeBufferPointer {
            HeaderCanonicalizer.append(field: $0, using: canonicalization.header, to: &hashInput)
        }
        hashInput.removeLast(2)

        let signature = try hashInput.withUnsafeBufferPointer { try key.sign($0) }
        folder.appendBase64(Data(signature).base64EncodedString())
        folder.finish()
        return folder.bytes
    }

    private func bodyHash(_ body: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        var hasher = try SHA256Hasher(digest: key.storage.sha256)
        BodyCanonicalizer.canonicalize(body, using: canonicalization.body) { hasher.update($0) }
        return try hasher.finish()
    }
}
