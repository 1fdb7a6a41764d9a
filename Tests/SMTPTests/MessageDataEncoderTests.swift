import Testing
@testable import SMTP

struct MessageDataEncoderTests {
    private func encode(_ text: String) -> String {
        String(decoding: MessageDataEncoder.encode(Array(text.utf8)), as: UTF8.self)
    }

    @Test(arguments: [
        ("a\r\nb\r\n", "a\r\nb\r\n.\r\n"),
        ("a\nb\n", "a\r\nb\r\n.\r\n"),
        ("a\rb", "a\r\nb\r\n.\r\n"),
        ("no final newline", "no final newline\r\n.\r\n"),
        (".starts with a dot\r\n", "..starts with a dot\r\n.\r\n"),
        ("x\r\n.\r\ny\r\n", "x\r\n..\r\ny\r\n.\r\n"),
        ("x\n.\ny", "x\r\n..\r\ny\r\n.\r\n"),
        ("x\r\n..two\r\n", "x\r\n...two\r\n.\r\n"),
        ("mid.dle . dots\r\n", "mid.dle . dots\r\n.\r\n"),
        ("a\r\r\nb", "a\r\n\r\nb\r\n.\r\n"),
        ("x\r.", "x\r\n..\r\n.\r\n"),
        ("", ".\r\n"),
    ])
    func dotStuffingAndLineEndings(input: String, expected: String) {
        #expect(encode(input) == expected)
    }

    @Test func smugglingSequenceCannotEndTheData() {
        // "\n.\n" is how SMTP smuggling ends DATA early on lenient receivers.
        let encoded = encode("body\n.\nMAIL FROM:<evil@example.com>\r\n")
        #expect(encoded == "body\r\n..\r\nMAIL FROM:<evil@example.com>\r\n.\r\n")
        #expect(encoded.components(separatedBy: "\r\n.\r\n").count == 2)
    }

    @Test func normalizationWithoutStuffing() {
        #expect(String(decoding: MessageDataEncoder.normalizeLineEndings(Array("a\n.b\rc".utf8)), as: UTF8.self) == "a\r\n.b\r\nc\r\n")
    }

    @Test func eightBitBytesPassUnchanged() {
        let bytes: [UInt8] = [0xC3, 0xA9, 0x0A]
        #expect(MessageDataEncoder.encode(bytes) == [0xC3, 0xA9, 0x0D, 0x0A, 0x2E, 0x0D, 0x0A])
    }
}

extension MessageDataEncoderTests {
    /// The contiguous fast path and the generic one must agree on every edge.
    @Test(arguments: ["", ".", "..", "\r", "\n", "\r\n", "a\rb\nc\r\nd", ".a\r.b\n.c\r\n.d", "x\r\r\n.", "end with dot\n.", "\n\n.\n\r\r", "no newline"])
    func fastAndGenericPathsAgree(text: String) {
        let bytes = Array(text.utf8)
        var generic: [UInt8] = []
        MessageDataEncoder.encode(bytes.lazy.map { $0 }, into: &generic)
        #expect(MessageDataEncoder.encode(bytes) == generic)
    }
}

extension MessageDataEncoderTests {
    /// Random messages over the bytes that matter (CR, LF, dot, 8-bit, plain), long enough to
    /// cross memchr's vector widths: the one-pass transfer form must equal the byte-by-byte
    /// encoder, and its SIZE the length of the normalised message.
    @Test func transferAgreesWithTheReferenceEncodings() {
        // Seeded, so that a failure replays the same inputs on every run.
        var generator = ReplyParserFuzzTests.SplitMix64(state: 0x5EED_DA7A)
        let alphabet: [UInt8] = [0x0D, 0x0A, UInt8(ascii: "."), 0xC3, UInt8(ascii: "a"), UInt8(ascii: " ")]
        for round in 0..<2_000 {
            let length = round < 100 ? round : Int.random(in: 0...600, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
            var reference: [UInt8] = []
            MessageDataEncoder.encode(bytes.lazy.map { $0 }, into: &reference)
            let transfer = MessageDataEncoder.transfer(bytes)
            #expect(transfer.bytes == reference, "bytes \(bytes)")
            #expect(transfer.normalizedLength == MessageDataEncoder.normalizeLineEndings(bytes).count, "bytes \(bytes)")
        }
    }

    /// The word-at-a-time scan must find a high byte at every position and alignment.
    @Test func eightBitContentIsFoundAtEveryOffset() {
        for length in 0..<40 {
            let plain = OutgoingMessage(sender: "a@example.com", recipients: ["b@example.com"], data: Array(repeating: 0x7F, count: length))
            #expect(!plain.hasEightBitContent)
            for position in 0..<length {
                var data = [UInt8](repeating: UInt8(ascii: "x"), count: length)
                data[position] = 0x80
                let message = OutgoingMessage(sender: "a@example.com", recipients: ["b@example.com"], data: data)
                #expect(message.hasEightBitContent, "length \(length), high byte at \(position)")
            }
        }
    }
}

extension MessageDataEncoderTests {
    /// Old Mac line endings (bare CR only, no LF anywhere): every line is still its own line,
    /// dots stuffed after each CR. The encoder keeps the position of the next LF between lines,
    /// so such a message is scanned once, not once per line (found in review).
    @Test func bareCarriageReturnLinesEncodeLikeTheReference() {
        let text = Array(String(repeating: ".line\r", count: 2_000).utf8)
        var reference: [UInt8] = []
        MessageDataEncoder.encode(text.lazy.map { $0 }, into: &reference)
        let transfer = MessageDataEncoder.transfer(text)
        #expect(transfer.bytes == reference)
        #expect(transfer.bytes.starts(with: Array("..line\r\n..line\r\n".utf8)))
        #expect(transfer.normalizedLength == MessageDataEncoder.normalizeLineEndings(text).count)
    }
}
