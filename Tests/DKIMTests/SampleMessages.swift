/// Rendered messages as they go into DATA (CRLF, not dot-stuffed), covering what bulk mail
/// looks like: folded headers, encoded words, multipart with base64, odd bodies.
enum SampleMessages {
    static func crlf(_ lines: [String]) -> [UInt8] {
        Array(lines.joined(separator: "\r\n").utf8)
    }

    static let plain = crlf([
        "From: News <news@example.org>", "To: reader@example.net", "Subject: Hello",
        "Date: Sun, 23 Nov 2025 12:00:00 +0000", "Message-ID: <plain.1@example.org>", "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8", "", "Hello there.", "Second line.", "",
    ])

    static let foldedHeaders = crlf([
        "From: \"Example News, Weekly\"\r\n <news@example.org>", "To: a@example.net,\r\n\tb@example.net,\r\n  c@example.net",
        "Subject: A subject that is long enough that the renderer\r\n folded it onto a second line",
        "List-Unsubscribe: <https://example.org/unsubscribe/0123456789abcdef0123456789abcdef>,\r\n <mailto:unsubscribe@example.org?subject=0123456789abcdef>",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Date: Sun, 23 Nov 2025 12:00:00 +0000",
        "", "Body  with   internal    spaces\t and trailing spaces   ", "", "",
    ])

    static let encodedWordSubject = crlf([
        "From: =?UTF-8?Q?=C3=89quipe_Caf=C3=A9?= <cafe@example.org>", "To: lecteur@example.net",
        "Subject: =?UTF-8?B?RGVzIG5vdXZlbGxlcyBkZSBs4oCZw6lxdWlwZSDimJU=?=\r\n =?UTF-8?B?IGV0IGTigJlhdXRyZXMgY2hvc2Vz?=",
        "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
        "", "Caf\u{E9} cr\u{E8}me, na\u{EF}ve fa\u{E7}ade.", "",
    ])

    static let multipartBase64 = crlf([
        "From: reports@example.org", "To: ops@example.net", "Subject: Monthly report", "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"=_b0undary\"", "",
        "--=_b0undary", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "",
        "SGVsbG8sIHRoaXMgaXMgdGhlIG1vbnRobHkgcmVwb3J0LiBTZWUgdGhlIGF0dGFjaG1lbnQuCg==", "",
        "--=_b0undary", "Content-Type: application/pdf; name=\"report.pdf\"", "Content-Transfer-Encoding: base64",
        "Content-Disposition: attachment; filename=\"report.pdf\"", "",
        String(repeating: "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K", count: 1),
        String(repeating: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2", count: 1),
        "d3h5ejAxMjM0NTY3ODk=", "", "--=_b0undary--", "",
    ])

    static let trailingBlankLines = crlf([
        "From: a@example.org", "To: b@example.net", "Subject: trailing", "", "Body", "", "", "", "", "",
    ])

    static let emptyBody = crlf([
        "From: a@example.org", "To: b@example.net", "Subject: empty", "", "",
    ])

    static let repeatedHeaders = crlf([
        "From: a@example.org", "To: first@example.net", "Cc: one@example.net", "Cc: two@example.net",
        "Subject: two Cc fields", "Reply-To: replies@example.org", "", "Body.", "",
    ])

    static let all: [(name: String, bytes: [UInt8])] = [
        ("plain", plain), ("folded", foldedHeaders), ("encoded-word", encodedWordSubject),
        ("multipart-base64", multipartBase64), ("trailing-blank-lines", trailingBlankLines),
        ("empty-body", emptyBody), ("repeated-headers", repeatedHeaders),
    ]
}
