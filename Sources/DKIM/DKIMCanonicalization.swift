/// One canonicalization algorithm of RFC 6376 section 3.4, for headers or for the body.
public enum DKIMCanonicalization: String, Sendable, CaseIterable {
    /// Bytes as they are (headers) or with only trailing empty lines dropped (body). Breaks
    /// on any relay that refolds a header or re-spaces a line.
    case simple
    /// Tolerates the whitespace changes relays make; what the big providers sign with.
    case relaxed

    /// The canonical form of one complete header field (name, colon, value, continuation lines
    /// and the final CRLF), as it enters the header hash.
    public func canonicalizeHeader(_ field: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(field.count)
        field.withUnsafeBufferPointer { HeaderCanonicalizer.append(field: $0, using: self, to: &output) }
        return output
    }

    /// The canonical form of a message body (everything after the blank line), whose SHA-256
    /// is the bh= value.
    public func canonicalizeBody(_ body: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(body.count + 2)
        body.withUnsafeBufferPointer { buffer in
            BodyCanonicalizer.canonicalize(buffer, using: self) { chunk in output.append(contentsOf: chunk) }
        }
        return output
    }
}

/// The c= tag: header algorithm, then body algorithm.
public struct DKIMCanonicalizationPair: Sendable, Equatable {
    public var header: DKIMCanonicalization
    public var body: DKIMCanonicalization

    public init(header: DKIMCanonicalization, body: DKIMCanonicalization) {
        self.header = header
        self.body = body
    }

    /// relaxed/relaxed: survives the refolding and trailing-space changes relays commonly make.
    public static let relaxed = DKIMCanonicalizationPair(header: .relaxed, body: .relaxed)
    public static let simple = DKIMCanonicalizationPair(header: .simple, body: .simple)

    /// The c= value, e.g. "relaxed/relaxed".
    public var tagValue: String { "\(header.rawValue)/\(body.rawValue)" }
}
