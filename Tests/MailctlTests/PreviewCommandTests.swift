import Foundation
import Testing
import TestSupport

/// `mailctl preview` as an operator runs it: the real binary on real campaign files.
@Suite(.timeLimit(.minutes(2)))
struct PreviewCommandTests {
    static var example: String { RepositoryPaths.root.appendingPathComponent("examples/campaign.json").path }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-preview-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func printsTheFirstRecipientsExactMessage() async throws {
        let output = try await MailctlProcess.run(["preview", Self.example])
        #expect(output.status == 0, "\(output.standardError)")
        let message = output.standardOutput
        #expect(message.hasPrefix("Date: Tue, 01 Jul 2025 07:00:00 +0000\r\n"))
        #expect(message.contains("\r\nTo: Ben Smith <user0001@example.org>\r\n"))
        #expect(message.contains("\r\nSubject: Welcome to the Lisbon club, Ben!\r\n"))
        #expect(message.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(message.contains("Content-Type: multipart/alternative;"))
        #expect(message.contains("Hello Ben,\r\n"))
        #expect(!message.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "CRLF only")
    }

    @Test func namedRecipient() async throws {
        let output = try await MailctlProcess.run(["preview", Self.example, "--recipient", "USER0500@example.com"])
        #expect(output.status == 1, "local parts are case-sensitive: USER0500 is not user0500")
        #expect(output.standardError.contains("\"USER0500@example.com\" is not among the campaign's recipients"))
        let found = try await MailctlProcess.run(["preview", Self.example, "--recipient", "user0500@EXAMPLE.NET"])
        #expect(found.status == 0, "\(found.standardError)")
        #expect(found.standardOutput.contains("\r\nTo: Anna Meyer <user0500@example.net>\r\n"))
    }

    @Test func writesEveryMessageToAFolder() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out")
        let output = try await MailctlProcess.run(["preview", Self.example, "--out", out.path])
        #expect(output.status == 0, "\(output.standardError)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files.count == 1000)
        #expect(files.first == "000001.eml" && files.last == "001000.eml")
        let last = try String(contentsOf: out.appendingPathComponent("001000.eml"), encoding: .utf8)
        #expect(last.contains("\r\nTo: Anna Meyer <user1000@example.org>\r\n"))
        #expect(last.contains("Message-ID: <0.1000."))
    }

    @Test func jsonSummaryCountsDuplicatesAndSkipped() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("""
            {"name": "t", "account": "demo", "from": "News <news@example.com>", "subject": "Hi {{first_name}}",
             "text": "Hello", "recipients_file": "list.csv"}
            """.utf8).write(to: directory.appendingPathComponent("c.json"))
        try Data("email,first_name\na@example.com,A\na@EXAMPLE.COM,A\nbob@,B\nc@example.com,C\n".utf8)
            .write(to: directory.appendingPathComponent("list.csv"))
        let campaign = directory.appendingPathComponent("c.json").path

        let failing = try await MailctlProcess.run(["preview", campaign, "--json"])
        #expect(failing.status == 1)
        #expect(failing.standardError.contains("list.csv:4: \"bob@\" is not a valid address: nothing after the '@'"))
        let failed = try #require(try JSONSerialization.jsonObject(with: Data(failing.standardOutput.utf8)) as? [String: Any])
        #expect((failed["errors"] as? [String])?.count == 1)

        let skipping = try await MailctlProcess.run(["preview", campaign, "--json", "--skip-invalid"])
        #expect(skipping.status == 0, "\(skipping.standardError)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(skipping.standardOutput.utf8)) as? [String: Any])
        #expect(summary["recipients"] as? Int == 2)
        #expect(summary["duplicates"] as? Int == 1)
        #expect(summary["skipped"] as? Int == 1)
        #expect((summary["errors"] as? [String]) == [])
        #expect((summary["skipped_recipients"] as? [String])?.first?.hasPrefix("list.csv:4:") == true)
    }

    @Test func everyProblemIsListedOnStderr() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("""
            {"name": "t", "acount": "demo", "from": "news@", "subject": "Hi {{frist}}", "text": "x",
             "recipients": [{"email": "a@example.com"}, {"email": "b@"}], "send_at": "soon"}
            """.utf8).write(to: directory.appendingPathComponent("c.json"))
        let path = directory.appendingPathComponent("c.json").path
        let output = try await MailctlProcess.run(["preview", path])
        #expect(output.status == 1)
        #expect(output.standardOutput.isEmpty)
        let lines = output.standardError.split(separator: "\n").map(String.init)
        #expect(lines == [
            "\(path): acount: unknown field; did you mean \"account\"?",
            "\(path): account: missing: the sending account's name from maild's configuration (or \"accounts\": a list of them)",
            "\(path): from: \"news@\" is not a valid address: nothing after the '@'",
            "\(path): send_at: \"soon\" is not an RFC 3339 time; write it like \"2025-07-01T09:00:00+02:00\" (the offset is required)",
            "\(path): recipients[1].email: \"b@\" is not a valid address: nothing after the '@'",
            "\(path): subject: {{frist}} is not defined: not a built-in variable (email, name, first_name_or_email, domain, campaign, unsubscribe_url, token) nor in every recipient's vars",
        ])
    }

    /// A line break in a value the subject uses is reported by preview, at its CSV line and
    /// column, before any daemon would fail the recipient at render; a body-only one is fine.
    @Test func previewReportsControlCharactersInValuesTheSubjectUses() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("""
            {"name": "t", "account": "demo", "from": "news@example.com", "subject": "Hi {{first}}", "text": "{{first}} in {{city}}",
             "recipients_file": "list.csv"}
            """.utf8).write(to: directory.appendingPathComponent("c.json"))
        try Data("email,first,city\na@example.com,Ann,\"Multi\nline\"\nb@example.com,\"Bo\nb\",Rome\n".utf8)
            .write(to: directory.appendingPathComponent("list.csv"))
        let output = try await MailctlProcess.run(["preview", directory.appendingPathComponent("c.json").path])
        #expect(output.status == 1)
        #expect(output.standardError.split(separator: "\n").map(String.init) == [
            "list.csv:4: column \"first\": control character U+000A at character 3; the subject uses {{first}}, "
                + "and a header field cannot hold control characters (only TAB); remove it, or use {{first}} only in the bodies",
        ])
    }

    @Test(arguments: [["preview"], ["preview", "x.json", "--bogus"], ["preview", "x.json", "--out", "d", "--recipient", "a@example.com"]])
    func badUsageExits64(arguments: [String]) async throws {
        let output = try await MailctlProcess.run(arguments)
        #expect(output.status == 64, "\(output.all)")
    }

    @Test func unreadableCampaignFails() async throws {
        let output = try await MailctlProcess.run(["preview", "/nonexistent/campaign.json"])
        #expect(output.status == 1)
        #expect(output.standardError.contains("/nonexistent/campaign.json: cannot read the campaign file"))
    }
}

extension PreviewCommandTests {
    /// `--out` names a folder; an existing file of that name used to end in Foundation's raw
    /// NSCocoaErrorDomain error.
    @Test func outNamingAnExistingFileSaysWhatToDo() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("taken")
        try Data("keep me".utf8).write(to: file)
        let output = try await MailctlProcess.run(["preview", Self.example, "--out", file.path])
        #expect(output.status == 64, "\(output.all)")
        #expect(output.standardError.contains("--out \(file.path): a file of that name exists; --out takes a folder"), "\(output.standardError)")
        #expect(!output.standardError.contains("NSCocoaErrorDomain"), "\(output.standardError)")
        #expect(try String(contentsOf: file, encoding: .utf8) == "keep me")

        let inside = file.appendingPathComponent("out")
        let below = try await MailctlProcess.run(["preview", Self.example, "--out", inside.path])
        #expect(below.status == 64, "\(below.all)")
        #expect(below.standardError.contains("--out \(inside.path): \(file.path) is a file, not a folder;"), "\(below.standardError)")
        #expect(!below.standardError.contains("NSCocoaErrorDomain"), "\(below.standardError)")
    }
}
