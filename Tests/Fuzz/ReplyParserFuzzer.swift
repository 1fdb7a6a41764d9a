// libFuzzer entry point for the SMTP reply parser. Built outside SwiftPM by
// Tests/Fuzz/run.sh, together with the parser's own sources (they need nothing else).
//
// The input is split into chunks at the positions given by its first byte, so that the
// fuzzer explores partial reads as well as content.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReplyParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let chunkSize = Int(first % 32) + 1
    var parser = ReplyParser(limits: .init(maximumLineLength: 512, maximumLines: 32))
    var index = 1
    while index < bytes.count {
        let end = min(bytes.count, index + chunkSize)
        parser.append(bytes[index..<end])
        index = end
        do {
            while let reply = try parser.nextReply() {
                // Invariants every caller relies on.
                precondition((200...599).contains(reply.code))
                precondition(reply.lines.count <= 32)
                // Invalid UTF-8 bytes decode to U+FFFD (3 bytes each): text stays within 3x the limit.
                precondition(reply.lines.allSatisfy { $0.utf8.count <= 3 * 512 })
                if let enhanced = reply.enhancedCode { precondition(enhanced.statusClass == reply.code / 100) }
                _ = reply.description
            }
        } catch {
            return 0
        }
    }
    return 0
}
