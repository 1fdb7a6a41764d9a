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
