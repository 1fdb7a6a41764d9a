import Testing
@testable import SMTPServer

struct DataUnstufferTests {
    struct Case: CustomStringConvertible, Sendable {
        let wire: String
        let stored: String
        let note: String
        var description: String { note }
    }

    static let cases: [Case] = [
        Case(wire: ".\r\n", stored: "", note: "empty message"),
        Case(wire: "a\r\n.\r\n", stored: "a\r\n", note: "one line"),
        Case(wire: "..a\r\n.\r\n", stored: ".a\r\n", note: "stuffed dot at the start"),
        Case(wire: "a\r\n..\r\n.\r\n", stored: "a\r\n.\r\n", note: "a line that is a single dot"),
        Case(wire: "a\r\n...\r\n.\r\n", stored: "a\r\n..\r\n", note: "two dots"),
        Case(wire: "a\n.\nb\r\n.\r\n", stored: "a\n.\nb\r\n", note: "bare LF dot LF does not end the data"),
        Case(wire: "a\r\n.\nb\r\n.\r\n", stored: "a\r\n\nb\r\n", note: "CRLF dot LF does not end the data"),
        Case(wire: "a\n.\r\nb\r\n.\r\n", stored: "a\n.\r\nb\r\n", note: "LF dot CRLF does not end the data"),
        Case(wire: "a\r.\r\n.\r\n", stored: "a\r.\r\n", note: "bare CR before a dot"),
        Case(wire: "x\r\n.\rz\r\n.\r\n", stored: "x\r\n\rz\r\n", note: "dot then bare CR"),
        Case(wire: "caf\u{e9} \u{1F600}\r\n\ttab\r\n.\r\n", stored: "caf\u{e9} \u{1F600}\r\n\ttab\r\n", note: "8-bit bytes kept"),
    ]

    @Test(arguments: cases)
    func unstuffsInOneRead(_ testCase: Case) {
        var unstuffer = DataUnstuffer(limit: 1 << 20)
        let bytes = Array(testCase.wire.utf8)
        let (consumed, finished) = unstuffer.consume(bytes[...])
        #expect(finished)
        #expect(consumed == bytes.count)
        #expect(unstuffer.message == Array(testCase.stored.utf8))
    }

    @Test(arguments: cases)
    func unstuffsByteByByte(_ testCase: Case) {
        var unstuffer = DataUnstuffer(limit: 1 << 20)
        let bytes = Array(testCase.wire.utf8)
        for (index, byte) in bytes.enumerated() {
            let (consumed, finished) = unstuffer.consume([byte][...])
            #expect(consumed == 1)
            #expect(finished == (index == bytes.count - 1))
        }
        #expect(unstuffer.message == Array(testCase.stored.utf8))
    }

    @Test func leavesPipelinedCommandsAfterTheTerminator() {
        var unstuffer = DataUnstuffer(limit: 100)
        let bytes = Array("a\r\n.\r\nQUIT\r\n".utf8)
        let (consumed, finished) = unstuffer.consume(bytes[...])
        #expect(finished)
        #expect(consumed == 6)
    }

    @Test func countsButDropsBytesBeyondTheLimit() {
        var unstuffer = DataUnstuffer(limit: 3)
        let (_, finished) = unstuffer.consume(Array("abcdef\r\n.\r\n".utf8)[...])
        #expect(finished)
        #expect(unstuffer.message == Array("abc".utf8))
        #expect(unstuffer.octets == 8)
        #expect(unstuffer.exceededLimit)
    }
}
