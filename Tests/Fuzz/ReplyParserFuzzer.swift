// libFuzzer harness for the SMTP reply parser (Sources/SMTP/Reply), built by Tests/Fuzz/run.sh.
//
// Input: byte 0 chooses the size of the reads (1...32 bytes) the rest is delivered in, so the
// fuzzer explores partial reads as well as content.
//
// Invariants, beyond "does not crash":
// - the replies and the error do not depend on how the bytes were split: the same stream
//   delivered in one read gives exactly the same result;
// - every reply has a code in 200...599, at most `maximumLines` lines, lines within the line
//   limit (3x in UTF-8 text, since an invalid byte becomes U+FFFD), an enhanced code of the
//   reply's class;
// - reply text is safe for logs and terminals: no control character except TAB (a hostile
//   server must not be able to send escape sequences to the operator's terminal);
// - the parser never holds more than one line over its limit of unparsed bytes.
@testable import SMTP

private let limits = ReplyParser.Limits(maximumLineLength: 512, maximumLines: 32)

private struct Outcome: Equatable {
    var replies: [SMTPReply] = []
    var error: ReplyParser.ParseError?
}

private func parse(_ stream: ArraySlice<UInt8>, readSize: Int) -> Outcome {
    var parser = ReplyParser(limits: limits)
    var outcome = Outcome()
    var index = stream.startIndex
    while index < stream.endIndex {
        let end = min(stream.endIndex, index + readSize)
        parser.append(stream[index..<end])
        index = end
        do {
            while let reply = try parser.nextReply() {
                check(reply)
                outcome.replies.append(reply)
            }
        } catch {
            outcome.error = error
            return outcome  // the client drops the connection on a parse error
        }
    }
    return outcome
}

private func check(_ reply: SMTPReply) {
    require((200...599).contains(reply.code), "code \(reply.code) out of range")
    require(!reply.lines.isEmpty && reply.lines.count <= limits.maximumLines, "\(reply.lines.count) lines")
    require(reply.lines.allSatisfy { $0.utf8.count <= 3 * limits.maximumLineLength }, "line over the limit")
    if let enhanced = reply.enhancedCode {
        require(enhanced.statusClass == reply.code / 100, "enhanced code \(enhanced) in a \(reply.code) reply")
    }
    for line in reply.lines {
        for scalar in line.unicodeScalars where scalar != "\t" {
            require(scalar.properties.generalCategory != .control,
                         "control character U+\(String(scalar.value, radix: 16)) in reply text \(String(reflecting: line))")
        }
    }
    let description = reply.description
    require(!description.contains("\n") && !description.contains("\r"), "multi-line description")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReplyParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let stream = bytes[1...]
    let split = parse(stream, readSize: Int(first % 32) + 1)
    let whole = parse(stream, readSize: max(1, stream.count))
    require(split == whole, "result depends on the read size: \(split) vs \(whole)")
    return 0
}
