/// Where each header field of a rendered message starts and ends, and where the body starts:
/// offsets into the caller's bytes, so nothing is copied while the signer picks fields.
struct MessageHeaderFields {
    struct Field {
        /// Offset of the first byte of the name (the start of the field).
        var start: Int
        /// End of the name, trailing whitespace before the colon excluded.
        var nameEnd: Int
        /// One past the field's final CRLF (continuation lines included).
        var end: Int
    }

    var fields: [Field]
    var bodyStart: Int

    private static let space: UInt8 = 0x20, tab: UInt8 = 0x09, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A, colon: UInt8 = 0x3A

    /// Splits the header section (RFC 5322 section 2.2). Lines are CRLF-terminated; a line
    /// starting with WSP continues the previous field; the first empty line ends the headers.
    init(parsing message: UnsafeBufferPointer<UInt8>) throws {
        var fields: [Field] = []
        fields.reserveCapacity(24)
        var position = 0
        var lineNumber = 0
        let count = message.count
        var bodyStart = count
        while position < count {
            lineNumber += 1
            var lineEnd = position
            while lineEnd < count, message[lineEnd] != Self.lf { lineEnd += 1 }
            if lineEnd < count {
                guard lineEnd > position, message[lineEnd - 1] == Self.cr else { throw DKIMError.bareLineBreak(line: lineNumber) }
                lineEnd += 1
            }
            // A CR anywhere but before the LF: receivers split lines differently from us, and
            // the signature would not verify.
            if lineEnd - position > 2, message[position..<(lineEnd - 2)].contains(Self.cr) {
                throw DKIMError.bareLineBreak(line: lineNumber)
            }
            if lineEnd - position == 2 {
                bodyStart = lineEnd
                break
            }
            let first = message[position]
            if first == Self.space || first == Self.tab {
                guard !fields.isEmpty else {
                    throw DKIMError.malformedHeader(line: lineNumber, excerpt: Self.excerpt(message, position, lineEnd))
                }
                fields[fields.count - 1].end = lineEnd
            } else {
                var colonIndex = position
                while colonIndex < lineEnd, message[colonIndex] != Self.colon {
                    let byte = message[colonIndex]
                    // ftext (RFC 5322 section 3.6.8), plus the obsolete WSP before the colon.
                    guard (33...126).contains(byte) || byte == Self.space || byte == Self.tab else {
                        throw DKIMError.malformedHeader(line: lineNumber, excerpt: Self.excerpt(message, position, lineEnd))
                    }
                    colonIndex += 1
                }
                var nameEnd = colonIndex
                while nameEnd > position, message[nameEnd - 1] == Self.space || message[nameEnd - 1] == Self.tab { nameEnd -= 1 }
                guard colonIndex < lineEnd, nameEnd > position,
                      !message[position..<nameEnd].contains(where: { $0 == Self.space || $0 == Self.tab }) else {
                    throw DKIMError.malformedHeader(line: lineNumber, excerpt: Self.excerpt(message, position, lineEnd))
                }
                fields.append(Field(start: position, nameEnd: nameEnd, end: lineEnd))
            }
            position = lineEnd
        }
        self.fields = fields
        self.bodyStart = bodyStart
    }

    /// Whether the field's name equals `lowercasedName` (ASCII, case-insensitively).
    static func name(of field: Field, in message: UnsafeBufferPointer<UInt8>, equals lowercasedName: [UInt8]) -> Bool {
        guard field.nameEnd - field.start == lowercasedName.count else { return false }
        var index = 0
        while index < lowercasedName.count {
            let byte = message[field.start + index]
            let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if folded != lowercasedName[index] { return false }
            index += 1
        }
        return true
    }

    private static func excerpt(_ message: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        var stop = end
        while stop > start, message[stop - 1] == cr || message[stop - 1] == lf { stop -= 1 }
        return String(decoding: message[start..<min(stop, start + 60)], as: UTF8.self)
    }
}
