/// RFC 6376 sections 3.4.3 and 3.4.4 in one linear pass, handing the canonical body to a sink in
/// chunks so the body hash never needs a copy of the whole body.
enum BodyCanonicalizer {
    private static let space: UInt8 = 0x20, tab: UInt8 = 0x09, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let chunkSize = 4096

    static func canonicalize(_ body: UnsafeBufferPointer<UInt8>, using algorithm: DKIMCanonicalization,
                             into sink: (UnsafeBufferPointer<UInt8>) -> Void) {
        switch algorithm {
        case .simple: simple(body, into: sink)
        case .relaxed: relaxed(body, into: sink)
        }
    }

    /// Section 3.4.3: trailing empty lines dropped; an empty body (or one without a final CRLF)
    /// gets a CRLF. The content itself is hashed in place.
    private static func simple(_ body: UnsafeBufferPointer<UInt8>, into sink: (UnsafeBufferPointer<UInt8>) -> Void) {
        var end = body.count
        while end >= 2, body[end - 2] == cr, body[end - 1] == lf { end -= 2 }
        if end > 0 { sink(UnsafeBufferPointer(rebasing: body[0..<end])) }
        crlf.withUnsafeBufferPointer { sink($0) }
    }

    /// Section 3.4.4: WSP at line ends dropped, other WSP runs become one SP, trailing empty
    /// lines dropped, a final CRLF added to a non-empty body, and an empty body stays empty
    /// (erratum 1384). Line ends are held back until content follows, which is how trailing
    /// empty lines vanish without a second pass. WSP after the last CRLF counts as the end of a
    /// line: SMTP adds that CRLF when it sends the message, so the receiver sees it that way.
    private static func relaxed(_ body: UnsafeBufferPointer<UInt8>, into sink: (UnsafeBufferPointer<UInt8>) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: chunkSize) { chunk in
            var used = 0
            func emit(_ byte: UInt8) {
                if used == chunkSize {
                    sink(UnsafeBufferPointer(chunk))
                    used = 0
                }
                chunk[used] = byte
                used += 1
            }
            var heldLineEnds = 0
            var pendingSpace = false
            var emittedContent = false
            var index = 0
            let count = body.count
            while index < count {
                let byte = body[index]
                if byte == cr, index + 1 < count, body[index + 1] == lf {
                    pendingSpace = false
                    heldLineEnds += 1
                    index += 2
                    continue
                }
                index += 1
                if byte == space || byte == tab {
                    pendingSpace = true
                    continue
                }
                while heldLineEnds > 0 {
                    emit(cr)
                    emit(lf)
                    heldLineEnds -= 1
                }
                if pendingSpace {
                    emit(space)
                    pendingSpace = false
                }
                emit(byte)
                emittedContent = true
            }
            if emittedContent {
                emit(cr)
                emit(lf)
            }
            if used > 0 { sink(UnsafeBufferPointer(rebasing: chunk[0..<used])) }
        }
    }
}
