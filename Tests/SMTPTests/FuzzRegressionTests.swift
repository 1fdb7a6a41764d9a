import Testing
@testable import SMTP

/// Inputs found by the libFuzzer harness for the reply parser (Tests/Fuzz, target `reply`),
/// kept here so the bugs they found stay fixed without running the fuzzer.
struct FuzzRegressionTests {
    /// The fuzzer's input, after its read-size byte: C2 82 is U+0082, a valid UTF-8 C1 control,
    /// which went through to the reply text, where U+009B (the 8-bit CSI) can drive a terminal.
    @Test func c1ControlFromTheFuzzerIsNeutralized() throws {
        var bytes: [UInt8] = [0x34, 0x32, 0x31, 0x20, 0x00, 0x28, 0x69, 0x53] + [UInt8](repeating: 0xBC, count: 126)
        bytes += [0x75, 0x62] + [UInt8](repeating: 0xBC, count: 16) + [0x75, 0x62, 0x73, 0x82, 0xC2]
        bytes += [UInt8](repeating: 0x82, count: 26) + [0x74, 0x0A]
        for readSize in [1, 32, bytes.count] {
            var parser = ReplyParser(limits: .init(maximumLineLength: 512, maximumLines: 32))
            var replies: [SMTPReply] = []
            for start in stride(from: 0, to: bytes.count, by: readSize) {
                parser.append(bytes[start..<min(bytes.count, start + readSize)])
                while let reply = try parser.nextReply() { replies.append(reply) }
            }
            #expect(replies.count == 1)
            #expect(replies.first?.code == 421)
            let replacement = "\u{FFFD}"
            let expected = "?(iS" + String(repeating: replacement, count: 126) + "ub" + String(repeating: replacement, count: 16)
                + "ubs" + replacement + "?" + String(repeating: replacement, count: 25) + "t"
            #expect(replies.first?.text == expected)
        }
    }

    @Test(arguments: [0x80, 0x85, 0x9B, 0x9F] as [UInt32])
    func everyC1ControlBecomesAQuestionMark(_ value: UInt32) throws {
        let control = try #require(Unicode.Scalar(value))
        var parser = ReplyParser()
        parser.append(Array("550 5.7.1 a\(Character(control))[2Jb \u{A0}kept\r\n".utf8))
        let reply = try #require(try parser.nextReply())
        #expect(reply.lines == ["a?[2Jb \u{A0}kept"])
    }
}
