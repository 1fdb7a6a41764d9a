/// Builds the DKIM-Signature field folded so that no line passes 78 characters (RFC 5322
/// section 2.1.1), breaking only where RFC 6376 allows FWS: between tags, around the colons of
/// h=, and anywhere inside the base64 of bh= and b=.
struct SignatureHeaderFolder {
    static let limit = 78
    private(set) var bytes: [UInt8]
    private var lineLength: Int

    init() {
        bytes = Array("DKIM-Signature:".utf8)
        bytes.reserveCapacity(900)
        lineLength = bytes.count
    }

    private mutating func breakLine() {
        bytes.append(contentsOf: [0x0D, 0x0A, 0x09])
        lineLength = 1
    }

    private mutating func append(_ text: some Collection<UInt8>) {
        bytes.append(contentsOf: text)
        lineLength += text.count
    }

    /// A tag that is kept whole, e.g. "a=rsa-sha256;", after a space or a line break.
    mutating func appendTag(_ text: String, reserving extra: Int = 0) {
        let utf8 = text.utf8
        if lineLength + 1 + utf8.count + extra > Self.limit {
            breakLine()
        } else {
            append(CollectionOfOne(0x20))
        }
        append(utf8)
    }

    /// h=: the list breaks after any colon.
    mutating func appendHeaderList(_ names: [String]) {
        for (index, name) in names.enumerated() {
            let last = index == names.count - 1
            let token = (index == 0 ? "h=" : "") + name + (last ? ";" : ":")
            if index == 0 {
                appendTag(token)
            } else {
                if lineLength + token.utf8.count > Self.limit { breakLine() }
                append(token.utf8)
            }
        }
    }

    /// "bh=" or "b=" and the start of nothing yet: the base64 follows through `appendBase64`.
    mutating func appendBase64Tag(_ name: String) {
        appendTag(name + "=", reserving: 8)
    }

    /// Base64 text, wrapped at the line limit; `terminator` (";" or "") stays on the last line.
    mutating func appendBase64(_ value: String, terminator: String = "") {
        var remaining = Substring(value)
        while !remaining.isEmpty {
            let room = Self.limit - lineLength
            if room <= 0 {
                breakLine()
                continue
            }
            let piece = remaining.prefix(room)
            remaining = remaining.dropFirst(piece.count)
            append(piece.utf8)
        }
        if !terminator.isEmpty {
            if lineLength + terminator.utf8.count > Self.limit { breakLine() }
            append(terminator.utf8)
        }
    }

    mutating func finish() {
        bytes.append(contentsOf: [0x0D, 0x0A])
    }
}
