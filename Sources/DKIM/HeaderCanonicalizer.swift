/// RFC 6376 section 3.4.1 and 3.4.2 for one header field, appending to a caller's buffer so the
/// signer builds the whole header hash input in one allocation.
enum HeaderCanonicalizer {
    static let space: UInt8 = 0x20, tab: UInt8 = 0x09, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A, colon: UInt8 = 0x3A

    /// `field` is the complete field: name, colon, value, continuation lines, final CRLF.
    static func append(field: UnsafeBufferPointer<UInt8>, using algorithm: DKIMCanonicalization, to output: inout [UInt8]) {
        switch algorithm {
        case .simple:
            output.append(contentsOf: field)
        case .relaxed:
            appendRelaxed(field: field, to: &output)
        }
    }

    private static func appendRelaxed(field: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        let colonIndex = field.firstIndex(of: colon) ?? field.count
        // Name: lowercased, whitespace before the colon dropped.
        var nameEnd = colonIndex
        while nameEnd > 0, field[nameEnd - 1] == space || field[nameEnd - 1] == tab { nameEnd -= 1 }
        for index in 0..<nameEnd {
            let byte = field[index]
            output.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        output.append(colon)
        // Value: unfolded (line breaks removed, the WSP after them kept), WSP runs to one SP,
        // leading and trailing WSP dropped.
        var pendingSpace = false
        var started = false
        var index = colonIndex + 1
        while index < field.count {
            let byte = field[index]
            index += 1
            if byte == cr, index < field.count, field[index] == lf {
                index += 1
                continue
            }
            if byte == lf { continue }
            if byte == space || byte == tab {
                if started { pendingSpace = true }
                continue
            }
            if pendingSpace {
                output.append(space)
                pendingSpace = false
            }
            started = true
            output.append(byte)
        }
        output.append(cr)
        output.append(lf)
    }
}
