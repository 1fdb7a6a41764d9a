import Testing
@testable import SMTP

struct ReplyParserTests {
    private func parseAll(_ text: String, chunkSize: Int = .max) throws -> [SMTPReply] {
        var parser = ReplyParser()
        var replies: [SMTPReply] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + chunkSize)
            parser.append(bytes[index..<end])
            index = end
            while let reply = try parser.nextReply() { replies.append(reply) }
        }
        return replies
    }

    @Test func singleLineWithEnhancedCode() throws {
        let replies = try parseAll("250 2.1.0 Sender OK\r\n")
        #expect(replies == [SMTPReply(code: 250, enhancedCode: EnhancedStatusCode(statusClass: 2, subject: 1, detail: 0), lines: ["Sender OK"])])
    }

    @Test func multiLineReplyKeepsEveryLineAndStripsRepeatedEnhancedCodes() throws {
        let text = "550-5.1.1 The email account that you tried to reach does not exist.\r\n550-5.1.1 Please try\r\n550 5.1.1 double-checking. - gsmtp\r\n"
        let reply = try #require(try parseAll(text).first)
        #expect(reply.code == 550)
        #expect(reply.enhancedCode?.description == "5.1.1")
        #expect(reply.lines == ["The email account that you tried to reach does not exist.", "Please try", "double-checking. - gsmtp"])
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func anySplitOfTheBytesGivesTheSameReplies(chunkSize: Int) throws {
        let text = "220 mx.example.com ESMTP\r\n250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n354 go ahead\r\n"
        let whole = try parseAll(text)
        #expect(whole.count == 3)
        #expect(try parseAll(text, chunkSize: chunkSize) == whole)
    }

    @Test func bareLineFeedsAreAccepted() throws {
        #expect(try parseAll("250 OK\n").first?.code == 250)
    }

    @Test func codeWithoutTextIsAccepted() throws {
        let reply = try #require(try parseAll("250\r\n").first)
        #expect(reply.code == 250)
        #expect(reply.lines == [""])
    }

    @Test func enhancedCodeOfAnotherClassIsText() throws {
        // "4.2.2" on a 5xx reply is not a valid RFC 3463 code for it: keep it as text.
        let reply = try #require(try parseAll("550 4.2.2 odd\r\n").first)
        #expect(reply.enhancedCode == nil)
        #expect(reply.text == "4.2.2 odd")
    }

    @Test func incompleteReplyWaitsForMoreBytes() throws {
        var parser = ReplyParser()
        parser.append(Array("250-first\r\n250 sec".utf8))
        #expect(try parser.nextReply() == nil)
        #expect(parser.hasBufferedData)
        parser.append(Array("ond\r\n".utf8))
        #expect(try parser.nextReply()?.lines == ["first", "second"])
        #expect(!parser.hasBufferedData)
    }

    @Test(arguments: ["hello\r\n", "25 x\r\n", "2500 x\r\n", "250_x\r\n", "650 x\r\n", "\r\n", "abc 5.1.1 x\r\n"])
    func malformedLinesAreRefused(line: String) {
        #expect(throws: ReplyParser.ParseError.self) { try parseAll(line) }
    }

    @Test func codeChangeInsideMultiLineReplyIsRefused() {
        #expect(throws: ReplyParser.ParseError.inconsistentCodes(first: 250, later: 251)) {
            try parseAll("250-a\r\n251 b\r\n")
        }
    }

    @Test func overLongLineIsRefusedWithoutWaitingForItsEnd() {
        var parser = ReplyParser(limits: .init(maximumLineLength: 100, maximumLines: 10))
        parser.append(Array(repeating: UInt8(ascii: "5"), count: 150))
        #expect(throws: ReplyParser.ParseError.lineTooLong(limit: 100)) { try parser.nextReply() }
    }

    @Test func replyWithTooManyLinesIsRefused() {
        var parser = ReplyParser(limits: .init(maximumLineLength: 100, maximumLines: 10))
        parser.append(Array(String(repeating: "250-x\r\n", count: 11).utf8))
        #expect(throws: ReplyParser.ParseError.tooManyLines(limit: 10)) { try parser.nextReply() }
    }

    @Test func singleLineFormParsesFixtureStyle() throws {
        let reply = try #require(SMTPReply(singleLine: "550-5.1.1 The email account does not exist."))
        #expect(reply.code == 550)
        #expect(reply.enhancedCode == EnhancedStatusCode("5.1.1"))
        #expect(reply.text == "The email account does not exist.")
        #expect(SMTPReply(singleLine: "454 Throttling failure: Maximum sending rate exceeded.")?.enhancedCode == nil)
        #expect(SMTPReply(singleLine: "nonsense") == nil)
    }

    @Test func enhancedCodesParse() {
        #expect(EnhancedStatusCode("5.7.139")?.detail == 139)
        #expect(EnhancedStatusCode("4.3.21")?.subject == 3)
        #expect(EnhancedStatusCode("3.1.1") == nil)
        #expect(EnhancedStatusCode("5.1") == nil)
        #expect(EnhancedStatusCode("5.1.1x") == nil)
        #expect(EnhancedStatusCode("5.1000.1") == nil)
        #expect(EnhancedStatusCode("5..1") == nil)
        #expect(EnhancedStatusCode("") == nil)
        #expect(EnhancedStatusCode("2.0.0")?.description == "2.0.0")
    }

    @Test(arguments: [
        ("5.1.1 user unknown", "5.1.1", "user unknown"),
        ("2.0.0", "2.0.0", ""),
        ("2.0.0 ", "2.0.0", ""),
        ("4.7.0  two spaces", "4.7.0", " two spaces"),
        ("5.7.139 Authentication unsuccessful", "5.7.139", "Authentication unsuccessful"),
        ("2.6.0 <id@h> Queued mail for delivery", "2.6.0", "<id@h> Queued mail for delivery"),
    ])
    func enhancedCodeAndTheTextAfterIt(text: String, code: String, rest: String) throws {
        let (parsed, after) = try #require(EnhancedStatusCode.parse(prefixOf: Substring(text)))
        #expect(parsed.description == code)
        #expect(after == Substring(rest))
    }

    @Test(arguments: ["5.1.1x text", "5.1", "x.1.1 text", "6.1.1 text", "5.1.1\ttext", "5.1234.1 text", "5.1.1234"])
    func notAnEnhancedCode(text: String) {
        #expect(EnhancedStatusCode.parse(prefixOf: Substring(text)) == nil)
    }
}

extension ReplyParserTests {
    @Test func controlCharactersInReplyTextAreNeutralized() throws {
        var parser = ReplyParser()
        parser.append(Array("550 5.1.1 evil\u{1B}[2J\u{7F} text\twith tab\r\n".utf8))
        let reply = try #require(try parser.nextReply())
        #expect(reply.text == "evil?[2J? text\twith tab")
    }
}

extension ReplyParserTests {
    /// Found by the libFuzzer harness (Tests/Fuzz): invalid UTF-8 decodes to U+FFFD, so the
    /// text may be longer in UTF-8 than the line was on the wire, but stays bounded.
    @Test func invalidUTF8IsReplacedAndBounded() throws {
        var parser = ReplyParser(limits: .init(maximumLineLength: 512, maximumLines: 32))
        parser.append([0x34, 0x32, 0x31, 0x20, 0x00, 0x28] + Array(repeating: 0xBC, count: 300) + [0x0A])
        let reply = try #require(try parser.nextReply())
        #expect(reply.code == 421)
        #expect(reply.text.hasPrefix("?("))
        #expect(reply.text.unicodeScalars.filter { $0 == "\u{FFFD}" }.count == 300)
        #expect(reply.text.utf8.count <= 3 * 512)
    }
}
