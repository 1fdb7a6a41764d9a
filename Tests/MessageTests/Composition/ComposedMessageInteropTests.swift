import Foundation
import Message
import Testing

/// Every kind of message the composer makes, read back by Python's email package: the decoded
/// headers, bodies and attachments must equal the input, with no defects, CRLF everywhere and
/// no line over 998 octets.
@Suite(.timeLimit(.minutes(2)))
struct ComposedMessageInteropTests {
    struct Case: Sendable, CustomStringConvertible {
        var label: String
        var spec: CampaignSpec
        var recipient: CampaignRecipient
        /// The subject, text and html after template rendering.
        var subject: String
        var text: String?
        var html: String?
        var description: String { label }
    }

    static let pdf = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) })
    static let longLine = (0..<40).map { "word\($0)" }.joined(separator: "-") + String(repeating: "x", count: 1500)
    static let longSubject = "Long " + Array(repeating: "subject", count: 30).joined(separator: " ")
    /// One word longer than a header line may be (RFC 5322 2.1.1: 998 octets).
    static let thousandLetterName = String(repeating: "Abcdefghij", count: 100)

    static func spec(subject: String, text: String?, html: String?, attachments: [CampaignAttachment] = [],
                     from: CampaignMailbox = CampaignMailbox(name: "News Desk", address: "news@example.com")) -> CampaignSpec {
        CampaignSpec(name: "interop", account: "demo", from: from, replyTo: CampaignMailbox(name: "Support, Team", address: "help@example.com"),
                     subject: subject, text: text, html: html, attachments: attachments,
                     headers: [CampaignHeader(name: "X-Test", value: "Grüße & more")],
                     unsubscribe: CampaignUnsubscribe(mailto: "unsub@example.com", url: "https://example.com/u/{{token}}?e={{email}}"))
    }

    static let cases: [Case] = [
        Case(label: "text only, ASCII", spec: spec(subject: "Hello {{first_name}}", text: "Hi {{first_name}},\nplain text.\n", html: nil),
             recipient: CampaignRecipient(address: "ann@example.com", name: "Ann Lee", variables: ["first_name": "Ann"]),
             subject: "Hello Ann", text: "Hi Ann,\nplain text.\n", html: nil),
        Case(label: "html only, escaped values", spec: spec(subject: "For {{who}}", text: nil, html: "<p>Dear {{who}}, {{{raw}}}</p>"),
             recipient: CampaignRecipient(address: "tom@example.org", name: "Tom & Jerry", variables: ["who": "<b>Tom & \"Jerry\"</b>", "raw": "<i>ok</i>"]),
             subject: "For <b>Tom & \"Jerry\"</b>", text: nil, html: "<p>Dear &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;, <i>ok</i></p>\n"),
        Case(label: "alternative, non-ASCII subject name body",
             spec: spec(subject: "Grüße aus {{city}}, {{name}}!", text: "Hallo {{name}},\r\nviele Grüße aus {{city}}.", html: "<p>Hallo {{name}} – {{city}}</p>"),
             recipient: CampaignRecipient(address: "joerg@example.de", name: "Müller, Jörg", variables: ["city": "München"]),
             subject: "Grüße aus München, Müller, Jörg!", text: "Hallo Müller, Jörg,\nviele Grüße aus München.\n",
             html: "<p>Hallo Müller, Jörg – München</p>\n"),
        Case(label: "Japanese body goes base64", spec: spec(subject: "{{greeting}}", text: "{{greeting}}\n山田太郎様、いつもありがとうございます。", html: nil),
             recipient: CampaignRecipient(address: "taro@example.jp", name: "山田太郎", variables: ["greeting": "こんにちは"]),
             subject: "こんにちは", text: "こんにちは\n山田太郎様、いつもありがとうございます。\n", html: nil),
        Case(label: "long lines and trailing spaces", spec: spec(subject: longSubject, text: longLine + "\n-- \nsig\t\n", html: nil),
             recipient: CampaignRecipient(address: "long@example.com"),
             subject: longSubject, text: longLine + "\n-- \nsig\t\n", html: nil),
        Case(label: "names and subject of one word longer than a line",
             spec: spec(subject: "{{code}}", text: "Hi", html: nil, from: CampaignMailbox(name: thousandLetterName, address: "news@example.com")),
             recipient: CampaignRecipient(address: "long-name@example.com", name: thousandLetterName, variables: ["code": thousandLetterName + "Ü"]),
             subject: thousandLetterName + "Ü", text: "Hi\n", html: nil),
        Case(label: "dot lines and boundary-looking text",
             spec: spec(subject: "dots", text: ".\n..\n.hidden\n--=_maild_x_alt\n=_ and =3D\n", html: "<p>\n.\n</p>"),
             recipient: CampaignRecipient(address: "dots@example.com", variables: [:]),
             subject: "dots", text: ".\n..\n.hidden\n--=_maild_x_alt\n=_ and =3D\n", html: "<p>\n.\n</p>\n"),
        Case(label: "attachments in multipart/mixed",
             spec: spec(subject: "Invoice {{n}}", text: "See attached.", html: "<p>See attached.</p>",
                        attachments: [CampaignAttachment(filename: "Rechnung März.pdf", contentType: "application/pdf", data: pdf),
                                      CampaignAttachment(filename: "notes.txt", contentType: "text/plain", data: Data("line 1\r\nline 2\r\n".utf8)),
                                      CampaignAttachment(filename: "naïve.txt", contentType: "text/plain", data: Data("café\r\n".utf8))]),
             recipient: CampaignRecipient(address: "ap@example.com", name: "Accounts", variables: ["n": "42"]),
             subject: "Invoice 42", text: "See attached.\n", html: "<p>See attached.</p>\n"),
        Case(label: "attachment with text only", spec: spec(subject: "One", text: "Only text", html: nil,
                                                            attachments: [CampaignAttachment(filename: "日本語.bin", contentType: "application/octet-stream", data: pdf)]),
             recipient: CampaignRecipient(address: "one@example.com"), subject: "One", text: "Only text\n", html: nil),
        Case(label: "internationalized domain and UTF-8 local part", spec: spec(subject: "IDN", text: "to {{email}}", html: nil),
             recipient: CampaignRecipient(address: "用户@例子.广告", name: "用户"), subject: "IDN", text: "to 用户@例子.广告\n", html: nil),
    ] + randomCases

    /// Display names and subjects from `LongHeaderText`: words up to 5,000 characters, specials,
    /// UTF-8 and runs of spaces, in every address field and the subject.
    /// U+2028 is left out of the display names here (replaced by "-"): next to a space Python
    /// reads it as whitespace of the phrase and folds it away. HeaderLineLimitTests keeps it.
    static let randomCases: [Case] = (0..<40).map { index in
        let name = LongHeaderText.value(seed: UInt64(index), allowsTab: false).replacingOccurrences(of: "\u{2028}", with: "-")
        let fromName = LongHeaderText.value(seed: UInt64(index) &+ 500, allowsTab: false).replacingOccurrences(of: "\u{2028}", with: "-")
        let subject = LongHeaderText.value(seed: UInt64(index) &+ 1_000, allowsTab: true)
        return Case(label: "random header text \(index)",
                    spec: spec(subject: "{{s}}", text: "Hi", html: nil, from: CampaignMailbox(name: fromName, address: "news@example.com")),
                    recipient: CampaignRecipient(address: "random\(index)@example.com", name: name, variables: ["s": subject]),
                    subject: subject, text: "Hi\n", html: nil)
    }

    static let context = RenderContext(jobID: 77, recipientID: 5, date: Date(timeIntervalSince1970: 1_751_360_400),
                                       unsubscribeSecret: Array("secret".utf8), hostname: "mail.example.com")

    @Test func pythonReadsBackEveryKindOfMessage() throws {
        let rendered = try Self.cases.map { try MessageComposer(spec: $0.spec).render(recipient: $0.recipient, context: Self.context) }
        let results = try PythonEmailReader.parse(rendered.map(\.bytes))
        for (index, testCase) in Self.cases.enumerated() {
            let result = results[index]
            let message = rendered[index]
            let headers = result["headers"] as? [String: Any] ?? [:]
            let address = try EmailAddress(addrSpec: testCase.recipient.address, displayName: testCase.recipient.name)
            #expect((result["defects"] as? [String]) == [], "\(testCase)")
            #expect((result["header_defects"] as? [String]) == (address.requiresSMTPUTF8 ? ["NonASCIILocalPartDefect"] : []), "\(testCase)")
            #expect((result["longest_line"] as? Int).map { $0 <= 998 } == true, "\(testCase)")
            let parts = result["parts"] as? [[String: Any]] ?? []
            #expect(!parts.isEmpty, "\(testCase)")
            for part in parts { #expect((part["defects"] as? [String]) == [], "\(testCase): \(part["content_type"] ?? "?")") }
            #expect((result["bare_line_breaks"] as? Int) == 0, "\(testCase)")
            #expect((result["ends_with_crlf"] as? Bool) == true, "\(testCase)")
            #expect((result["dot_lines"] as? Int) == 0, "\(testCase): no line may start with '.'")
            #expect((headers["Subject"] as? [String]) == [testCase.subject], "\(testCase)")
            for (field, name, addrSpec) in [("To", testCase.recipient.name, address.smtpPath), ("From", testCase.spec.from.name, "news@example.com")] {
                let decoded = headers[field + ":addresses"] as? [[String]]
                let expected = name ?? ""
                let readings = Self.encodedDisplayNameAsPythonReadsIt(field: field, in: message.bytes)
                #expect(decoded == [[expected, addrSpec]] || (readings?.wire == expected && readings?.python.contains { decoded == [[$0, addrSpec]] } == true),
                        "\(testCase): \(field) display name")
            }
            #expect((headers["Reply-To:addresses"] as? [[String]]) == [["Support, Team", "help@example.com"]], "\(testCase)")
            #expect((headers["X-Test"] as? [String]) == ["Grüße & more"], "\(testCase)")
            #expect((headers["Message-ID"] as? [String]) == [message.messageID], "\(testCase)")
            #expect((headers["MIME-Version"] as? [String]) == ["1.0"], "\(testCase)")
            #expect((headers["Date"] as? [String]) == ["Tue, 01 Jul 2025 09:00:00 +0000"], "\(testCase)")
            #expect((headers["List-Unsubscribe-Post"] as? [String]) == ["List-Unsubscribe=One-Click"], "\(testCase)")
            let token = UnsubscribeToken.make(secret: Array("secret".utf8), jobID: 77, address: address)
            let encodedEmail = testCase.recipient.address.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))!
            #expect((headers["List-Unsubscribe"] as? [String])?.first?.replacingOccurrences(of: " ", with: "")
                    == "<mailto:unsub@example.com?subject=unsubscribe%20\(token)>,<https://example.com/u/\(token)?e=\(encodedEmail)>", "\(testCase)")
            #expect(message.requiresSMTPUTF8 == address.requiresSMTPUTF8)
            #expect(message.envelopeRecipient == address.smtpPath)
            #expect(message.envelopeSender == "news@example.com")

            let bodies = parts.filter { $0["filename"] is NSNull || $0["filename"] == nil }
            var expectedBodies: [(String, String)] = []
            if let text = testCase.text { expectedBodies.append(("text/plain", text)) }
            if let html = testCase.html { expectedBodies.append(("text/html", html)) }
            #expect(bodies.map { $0["content_type"] as? String } == expectedBodies.map(\.0), "\(testCase)")
            #expect(bodies.map { $0["text"] as? String } == expectedBodies.map(\.1), "\(testCase)")
            #expect(bodies.allSatisfy { ($0["charset"] as? String) == "utf-8" })
            let attachments = parts.filter { $0["filename"] is String }
            #expect(attachments.map { $0["filename"] as? String } == testCase.spec.attachments.map(\.filename), "\(testCase)")
            #expect(attachments.map { ($0["base64"] as? String).flatMap { Data(base64Encoded: $0) } } == testCase.spec.attachments.map(\.data),
                    "\(testCase)")
            // A text attachment beyond ASCII says it is UTF-8 (RFC 2046 section 4.1.2 defaults to US-ASCII).
            for (part, attachment) in zip(attachments, testCase.spec.attachments) where attachment.contentType.hasPrefix("text/") {
                let expected: String? = attachment.data.contains { $0 >= 0x80 } ? "utf-8" : nil
                #expect(part["charset"] as? String == expected, "\(testCase): \(attachment.filename)")
            }
            #expect(attachments.map { $0["content_type"] as? String } == testCase.spec.attachments.map(\.contentType), "\(testCase)")
            let expectedType = !testCase.spec.attachments.isEmpty ? "multipart/mixed"
                : testCase.text != nil && testCase.html != nil ? "multipart/alternative" : expectedBodies.first?.0
            #expect(result["content_type"] as? String == expectedType, "\(testCase)")
        }
    }

    /// A display name sent as encoded-words, read two ways. `wire`: by RFC 2047 (our decoder),
    /// which must give the input exactly. `python`: the readings Python's email package gives for
    /// the same words, which differ in whitespace only, for two known reasons:
    /// - it reads a display name as an RFC 5322 phrase, where a run of whitespace is one space
    ///   (3.2.2), also inside the decoded text of an encoded-word ("a  b" becomes "a b");
    /// - without the fix for CPython issue 128110 (python/cpython#130749) it keeps the folding
    ///   whitespace between two adjacent encoded-words as a space, where RFC 2047 6.2 drops it.
    /// nil when the name in the message is not made of encoded-words only; then Python must
    /// give the input exactly.
    static func encodedDisplayNameAsPythonReadsIt(field: String, in message: [UInt8]) -> (wire: String, python: [String])? {
        let header = String(decoding: message, as: UTF8.self).components(separatedBy: "\r\n\r\n").first ?? ""
        var lines: [String] = []
        for line in header.components(separatedBy: "\r\n") {
            if line.hasPrefix(field + ":") {
                lines = [String(line.dropFirst(field.count + 1))]
            } else if !lines.isEmpty && (line.hasPrefix(" ") || line.hasPrefix("\t")) {
                lines.append(line)
            } else if !lines.isEmpty {
                break
            }
        }
        let value = lines.joined()
        guard let angle = value.range(of: " <", options: .backwards) else { return nil }
        let phrase = String(value[..<angle.lowerBound].drop(while: { $0 == " " || $0 == "\t" }))
        let words = phrase.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { try? EncodedWordDecoder.decodeWord($0) }
        guard !words.isEmpty, words.allSatisfy({ $0 != nil }), let wire = try? EncodedWordDecoder.decode(phrase) else { return nil }
        let collapsed = words.compactMap { $0 }.map { $0.replacing(#/[ \t]+/#, with: " ") }
        return (wire, [collapsed.joined(), collapsed.joined(separator: " ")])
    }

    /// Each transfer encoding is chosen as documented (checked on the raw part headers).
    @Test(arguments: [
        ("Plain short ASCII lines.\n", "7bit"),
        ("Grüße aus München, bis bald\n", "quoted-printable"),
        (String(repeating: "a", count: 999), "quoted-printable"),
        (".starts with a dot", "quoted-printable"),
        ("contains =_ here", "quoted-printable"),
        ("bell \u{7} character", "quoted-printable"),
        ("日本語のテキストです", "base64"),
    ])
    func transferEncodingSuitsTheContent(text: String, encoding: String) throws {
        let composer = try MessageComposer(spec: Self.spec(subject: "s", text: "{{body}}", html: nil))
        let message = try composer.render(recipient: CampaignRecipient(address: "a@example.com", variables: ["body": text]), context: Self.context)
        #expect(String(decoding: message.bytes, as: UTF8.self).contains("Content-Transfer-Encoding: \(encoding)\r\n"))
        #expect(message.has8BitBody == false)
        let parsed = try PythonEmailReader.parse([message.bytes])
        let expected = text.hasSuffix("\n") ? text : text + "\n"
        #expect(((parsed[0]["parts"] as? [[String: Any]])?.first?["text"] as? String) == expected)
        #expect((parsed[0]["longest_body_line"] as? Int).map { $0 <= 76 } == true, "encoded bodies keep lines short")
    }

    @Test func messageIDIsStableForAJobAndRecipient() throws {
        let composer = try MessageComposer(spec: Self.cases[0].spec)
        let recipient = Self.cases[0].recipient
        let first = try composer.render(recipient: recipient, context: Self.context)
        var later = Self.context
        later.date = Date(timeIntervalSince1970: 1_800_000_000)
        let resent = try composer.render(recipient: recipient, context: later)
        #expect(first.messageID == resent.messageID)
        #expect(first.messageID.hasPrefix("<77.5.") && first.messageID.hasSuffix("@mail.example.com>"))
        var other = Self.context
        other.recipientID = 6
        #expect(try composer.render(recipient: recipient, context: other).messageID != first.messageID)
        other = Self.context
        other.jobID = 78
        #expect(try composer.render(recipient: recipient, context: other).messageID != first.messageID)
    }

    @Test func unsubscribeTokenVerifiesOnlyForItsJobAndAddress() throws {
        let address = try EmailAddress(addrSpec: "Ann@Example.COM")
        let token = UnsubscribeToken.make(secret: Array("k".utf8), jobID: 1, address: address)
        #expect(token.count == 43)
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"))
        #expect(UnsubscribeToken.verify(token, secret: Array("k".utf8), jobID: 1, address: try EmailAddress(addrSpec: "Ann@example.com")))
        #expect(!UnsubscribeToken.verify(token, secret: Array("k".utf8), jobID: 2, address: address))
        #expect(!UnsubscribeToken.verify(token, secret: Array("other".utf8), jobID: 1, address: address))
        #expect(!UnsubscribeToken.verify(token, secret: Array("k".utf8), jobID: 1, address: try EmailAddress(addrSpec: "ann2@example.com")))
        // Independent check of the HMAC with Python's hmac module.
        let script = "import hmac,hashlib,base64;print(base64.urlsafe_b64encode(hmac.new(b'k', b'unsubscribe:1:Ann@example.com', hashlib.sha256).digest()).decode().rstrip('='))"
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("hmac-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        process.waitUntilExit()
        #expect(try String(contentsOf: output, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == token)
    }
}
