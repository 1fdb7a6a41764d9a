import Foundation
import Message
import Testing
import TestSupport

/// An independent reader: Python's email package (stdlib, `policy=email.policy.default`, which
/// decodes RFC 2047 and RFC 2231 through `email.headerregistry`) parses every generated field and
/// must find exactly the input, with no defects.
///
/// One known deviation in Python is allowed for: in a phrase (a display name) its header registry
/// keeps the whitespace between two adjacent encoded-words as a space, although RFC 2047 6.2 says
/// to ignore it (Python's own generator splits long display names the same way we do and does
/// not read them back either). For those display names the exact check is made with
/// `email.header.decode_header`, which follows 6.2, and the header registry's display name must
/// match apart from whitespace.
struct PythonEmailInteropTests {
    enum Expectation: Sendable {
        case text(String)
        /// (display name or "", addr-spec) per mailbox, as Python's `Address` reports them, and
        /// for a single mailbox with an encoded display name, `decode_header`'s reading of the field.
        case addresses([[String]], decoded: String?, displayNameInSeveralEncodedWords: Bool, requiresSMTPUTF8: Bool)
        case parameter(name: String, value: String)
    }

    struct Case: Sendable {
        var field: String
        var expectation: Expectation
    }

    static let subjects: [String] = [
        "Hello world",
        "Grüße aus München",
        "Grüße München",
        UnstructuredHeaderTests.longGerman,
        UnstructuredHeaderTests.longJapanese,
        Array(repeating: "Weekly newsletter with news", count: 12).joined(separator: " "),
        String(repeating: "👨‍👩‍👧‍👦🇩🇪👍🏽", count: 20),
        "e" + String(repeating: "\u{301}\u{308}", count: 40),
        "price =?UTF-8?Q?x?= now",
        "=?UTF-8?Q?Hi=0D=0ABcc:_victim@example.com?=",
        "Hello\u{2028}Bcc: victim@example.com\u{2029}",
        "a\tb  c",
        "before" + String(repeating: " ", count: 120) + "after",
        "start " + String(repeating: "x", count: 2000) + " end",
        "Re: [list] 50% off! \"quoted\" (not a comment) a_b=c?",
    ] + (0..<60).map { GeneratedText.value(seed: UInt64(1000 + $0)) }

    static let mailboxes: [[(addrSpec: String, displayName: String?)]] = [
        [("jdoe@machine.example", "John Doe")],
        [("john@example.com", "Smith, John")],
        [("sysservices@example.net", "Giant; \"Big\" Box")],
        [("jqp@example.com", "John Q. Public")],
        [("joerg@example.de", "Müller, Jörg")],
        [("taro@example.jp", "山田太郎")],
        [("fake@example.com", "=?UTF-8?Q?fake?=")],
        [("a@example.com", "=?UTF-8?Q?=0D=0ABcc:_v@example.com?=")],
        [("a@example.com", "x>, victim@example.com, <y")],
        [("\"Fred Bloggs\"@example.com", nil), ("\"john\\\"smith\"@example.com", "Backslash \\ and \"quote\"")],
        [("info@münchen.de", "Info"), ("user@[192.0.2.1]", nil), ("user@[IPv6:2001:db8::1]", "Six")],
        [("sender@example.dk", String(repeating: "Ærøskøbing Æbleskiver, ", count: 8) + "日本語")],
        [("用户@例子.广告", "用户")],
        (1...25).map { ("member\($0)@lists.example.org", "Member \($0)") },
    ]

    static let filenames: [String] = [
        "report.pdf",
        "my report.pdf",
        "a\"b\\c.pdf",
        "Rechnung März.pdf",
        "=?UTF-8?Q?x?=.pdf",
        "x.pdf\"; filename=\"evil.exe",
        "Jahresabschluss Übersicht für die Geschäftsführung – Entwurf März 2025 (vertraulich).pdf",
        "quarterly report for the board of directors, \"final\" version 7 (approved by legal) 2025.pdf",
        "日本語のファイル名がとても長い場合の添付ファイル名テスト資料一式（最終版）.xlsx",
        "👨‍👩‍👧‍👦.png",
    ]

    static func cases() throws -> [Case] {
        let encoder = HeaderEncoder()
        var cases: [Case] = []
        for subject in subjects {
            cases.append(Case(field: try encoder.encode(name: "Subject", value: subject),
                              expectation: .text(subject.trimmingCharacters(in: [" ", "\t"]))))
        }
        for list in mailboxes {
            let addresses = try list.map { try EmailAddress(addrSpec: $0.addrSpec, displayName: $0.displayName) }
            let field = try encoder.encode(name: "To", addresses: addresses)
            var decoded: String?
            // decode_header is for ASCII fields; a UTF-8 (SMTPUTF8) address is left to the registry.
            if addresses.count == 1, let address = addresses.first, let displayName = address.displayName, field.contains("=?"),
               !address.requiresSMTPUTF8 {
                decoded = "\(displayName) <\(address.smtpPath)>"
            }
            cases.append(Case(field: field, expectation: .addresses(addresses.map { [$0.displayName ?? "", $0.smtpPath] },
                                                                    decoded: decoded,
                                                                    displayNameInSeveralEncodedWords: HeaderWireChecks.encodedWords(in: field).count > 1,
                                                                    requiresSMTPUTF8: addresses.contains(where: \.requiresSMTPUTF8))))
        }
        for filename in filenames {
            cases.append(Case(field: try encoder.encode(name: "Content-Disposition", value: "attachment",
                                                        parameters: [HeaderParameter(name: "filename", value: filename)]),
                              expectation: .parameter(name: "filename", value: filename)))
        }
        return cases
    }

    /// Reads each .eml (one field and an empty body) and writes what Python decoded as JSON.
    static let script = """
        import email, email.header, email.policy, json, pathlib, re, sys
        results = {}
        for path in sorted(pathlib.Path(sys.argv[1]).glob("*.eml")):
            # Parsed from text, not bytes, so RFC 6532 UTF-8 addresses are read as characters.
            message = email.message_from_string(path.read_bytes().decode("utf-8"), policy=email.policy.default)
            (name, value), = message.items()
            result = {"text": str(value), "defects": [type(d).__name__ for d in value.defects] + [type(d).__name__ for d in message.defects]}
            (_, raw), = message.raw_items()
            unfolded = re.sub(r"\\r?\\n", "", raw).strip()
            result["decoded"] = str(email.header.make_header(email.header.decode_header(unfolded)))
            if hasattr(value, "addresses"):
                result["addresses"] = [[a.display_name, a.addr_spec] for a in value.addresses]
            if hasattr(value, "params"):
                result["params"] = dict(value.params)
            results[path.name] = result
        pathlib.Path(sys.argv[2]).write_text(json.dumps(results))
        """

    @Test func pythonDecodesExactlyTheInput() throws {
        let cases = try Self.cases()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-headers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, testCase) in cases.enumerated() {
            let name = String(format: "%03d.eml", index)
            try Data((testCase.field + "\r\n").utf8).write(to: directory.appendingPathComponent(name))
        }
        let results = try runPython(directory: directory)
        #expect(results.count == cases.count)

        for (index, testCase) in cases.enumerated() {
            let name = String(format: "%03d.eml", index)
            let context = "\(name): \(String(reflecting: testCase.field))"
            guard let result = results[name] as? [String: Any] else {
                Issue.record("Python did not report \(context)")
                continue
            }
            let defects = result["defects"] as? [String]
            switch testCase.expectation {
            case .text(let expected):
                #expect(defects == [], "\(context)")
                #expect((result["text"] as? String) == expected, "\(context)")
            case .addresses(let expected, let decoded, let severalEncodedWords, let requiresSMTPUTF8):
                // Python marks a non-ASCII local part, which is right: it needs SMTPUTF8.
                #expect(defects == (requiresSMTPUTF8 ? ["NonASCIILocalPartDefect"] : []), "\(context)")
                let actual = result["addresses"] as? [[String]] ?? []
                #expect(actual.map { $0.last } == expected.map { $0.last }, "\(context)")
                if let decoded {
                    #expect((result["decoded"] as? String) == decoded, "\(context)")
                }
                if severalEncodedWords {
                    #expect(actual.map { $0.first.map(Self.withoutWhitespace) } == expected.map { $0.first.map(Self.withoutWhitespace) },
                            "\(context)")
                } else {
                    #expect(actual == expected, "\(context)")
                }
            case .parameter(let parameter, let expected):
                #expect(defects == [], "\(context)")
                #expect(((result["params"] as? [String: String])?[parameter]) == expected, "\(context)")
            }
        }
    }

    private static func withoutWhitespace(_ text: String) -> String {
        text.filter { !$0.isWhitespace }
    }

    private func runPython(directory: URL) throws -> [String: Any] {
        let output = directory.appendingPathComponent("results.json")
        let log = directory.appendingPathComponent("python.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, directory.path, output.path]
        // Files, not pipes: Foundation's pipe reading can trap on EINTR under parallel tests.
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: output.path),
              let results = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw TestSupportError("python3 failed (status \(process.terminationStatus)): \(text)")
        }
        return results
    }
}
