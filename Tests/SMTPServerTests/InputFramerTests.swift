import Testing
@testable import SMTPServer

struct InputFramerTests {
    private func drain(_ framer: inout InputFramer) -> [InputFramer.Input] {
        var inputs: [InputFramer.Input] = []
        while let input = framer.next() { inputs.append(input) }
        return inputs
    }

    private func line(_ text: String) -> InputFramer.Input { .line(Array(text.utf8)) }

    @Test func splitsPipelinedCommandsAndAcceptsBareLF() {
        var framer = InputFramer(commandLimit: 512, authLimit: 12288)
        framer.append(Array("EHLO a\r\nNOOP\nRSET\r\nQU".utf8))
        #expect(drain(&framer) == [line("EHLO a"), line("NOOP"), line("RSET")])
        framer.append(Array("IT\r\n".utf8))
        #expect(drain(&framer) == [line("QUIT")])
    }

    @Test func reportsAnOverlongLineOnceWithoutBufferingIt() {
        var framer = InputFramer(commandLimit: 16, authLimit: 64)
        for _ in 0..<10 {
            framer.append(Array(repeating: UInt8(ascii: "A"), count: 10))
            #expect(framer.next() == nil)
            #expect(framer.bufferedCount <= 16)
        }
        framer.append(Array("AAAA\r\nNOOP\r\n".utf8))
        #expect(drain(&framer) == [.lineTooLong, line("NOOP")])
    }

    @Test func limitCountsTheCRLF() {
        var framer = InputFramer(commandLimit: 8, authLimit: 8)
        framer.append(Array("123456\r\n1234567\r\n".utf8))
        #expect(drain(&framer) == [line("123456"), .lineTooLong])
    }

    @Test func authLinesGetTheLargerLimit() {
        var framer = InputFramer(commandLimit: 16, authLimit: 64)
        let auth = "auth XOAUTH2 " + String(repeating: "x", count: 40)
        framer.append(Array((auth + "\r\n").utf8))
        #expect(drain(&framer) == [line(auth)])
        framer.setMode(.saslResponse)
        let response = String(repeating: "y", count: 50)
        framer.append(Array((response + "\r\n").utf8))
        #expect(drain(&framer) == [line(response)])
    }

    @Test func switchesToDataWithBytesAlreadyBuffered() {
        var framer = InputFramer(commandLimit: 512, authLimit: 12288)
        framer.append(Array("DATA\r\nSubject: x\r\n\r\n..body\r\n.\r\nQUIT\r\n".utf8))
        #expect(framer.next() == line("DATA"))
        framer.setMode(.data(limit: 1000))
        let expected = InputFramer.DataOutcome(bytes: Array("Subject: x\r\n\r\n.body\r\n".utf8), octets: 21)
        #expect(framer.next() == .data(expected))
        #expect(framer.mode == .commands)
        #expect(drain(&framer) == [line("QUIT")])
    }

    @Test func readsAChunkOfExactlyItsSize() {
        var framer = InputFramer(commandLimit: 512, authLimit: 12288)
        framer.setMode(.chunk(size: 5, limit: 100))
        framer.append(Array("ab\r".utf8))
        #expect(framer.next() == nil)
        framer.append(Array("\n.NOOP\r\n".utf8))
        #expect(framer.next() == .chunk(bytes: Array("ab\r\n.".utf8), octets: 5))
        #expect(drain(&framer) == [line("NOOP")])
    }

    @Test func discardsEverythingWhileDiscarding() {
        var framer = InputFramer(commandLimit: 512, authLimit: 12288)
        framer.append(Array("STARTTLS\r\nMAIL FROM:<evil@x>\r\n".utf8))
        #expect(framer.next() == line("STARTTLS"))
        framer.setMode(.discarding)
        framer.append(Array("RCPT TO:<evil@x>\r\n".utf8))
        #expect(framer.next() == nil)
        framer.setMode(.commands)
        #expect(framer.bufferedCount == 0)
        framer.append(Array("EHLO a\r\n".utf8))
        #expect(drain(&framer) == [line("EHLO a")])
    }
}
