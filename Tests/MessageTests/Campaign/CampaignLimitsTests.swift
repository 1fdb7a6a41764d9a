import Foundation
import Message
import Testing

/// The loader refuses a campaign over a limit at the field, with both numbers and the key the
/// operator raises, and without reading more than the limit of any file.
struct CampaignLimitsTests {
    static let small = CampaignLimits(maximumRecipients: 3, maximumAttachments: 2, maximumAttachmentSize: 1024, maximumTotalAttachmentSize: 1536,
                                      maximumTemplateSize: 1024)

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        /// Fields replaced in the valid campaign (nil removes the field).
        var fields: [String: String?] = [:]
        var files: [String: String] = [:]
        var expected: [String]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "one attachment too large", fields: ["attachments": #"[{"path": "a.bin"}, {"path": "b.bin"}]"#],
             files: ["a.bin": String(repeating: "a", count: 100), "b.bin": String(repeating: "b", count: 1536)],
             expected: ["campaign.json: attachments[1]: 1.5 KiB, larger than the 1 KiB limit for one attachment (max_attachment_size in maild's [limits])",
                        "campaign.json: attachments: 1.6 KiB of attachments in all, more than the 1.5 KiB limit (max_total_attachment_size in maild's [limits])"]),
        Case(label: "attachments together too large", fields: ["attachments": #"[{"path": "a.bin"}, {"path": "b.bin"}]"#],
             files: ["a.bin": String(repeating: "a", count: 1000), "b.bin": String(repeating: "b", count: 1000)],
             expected: ["campaign.json: attachments: 2.0 KiB of attachments in all, more than the 1.5 KiB limit (max_total_attachment_size in maild's [limits])"]),
        Case(label: "too many attachments", fields: ["attachments": #"[{"path": "a.bin"}, {"path": "a.bin"}, {"path": "a.bin"}]"#],
             files: ["a.bin": "a"],
             expected: ["campaign.json: attachments: 3 attachments, more than the 2 a campaign may have (max_attachments in maild's [limits])"]),
        Case(label: "inline templates too large", fields: ["subject": "\"\(String(repeating: "s", count: 1025))\"", "html": "\"\(String(repeating: "h", count: 2048))\""],
             expected: ["campaign.json: subject: 1.0 KiB (1,025 bytes), larger than the 1 KiB (1,024 bytes) limit for one template (max_template_size in maild's [limits])",
                        "campaign.json: html: 2 KiB, larger than the 1 KiB limit for one template (max_template_size in maild's [limits])"]),
        Case(label: "template file too large", fields: ["text": nil, "text_file": "\"body.txt\""], files: ["body.txt": String(repeating: "x", count: 4000)],
             expected: ["campaign.json: text_file: body.txt is 3.9 KiB, larger than the 1 KiB limit for one template (max_template_size in maild's [limits])"]),
        Case(label: "inline recipients beyond the limit",
             fields: ["recipients_file": nil, "text": "\"Hi\"", "subject": "\"Hi\"",
                      "recipients": #"[{"email": "a@example.com"}, {"email": "b@example.com"}, {"email": "c@example.com"}, {"email": "d@example.com"}]"#],
             expected: ["campaign.json: recipients: 4 recipients, more than the 3 a job may have (max_recipients in maild's [limits])"]),
        Case(label: "CSV beyond the limit stops at the first recipient too many",
             files: ["list.csv": "email,first_name,city\na@example.com,A,X\nb@example.com,B,X\na@example.com,A,X\nc@example.com,C,X\nd@example.com,D,X\nnot-an-address,E,X\n"],
             expected: ["campaign.json: recipients_file: list.csv has more than the 3 recipients a job may have: line 6 holds recipient 4 (max_recipients in maild's [limits]); split the list into several campaigns"]),
    ]

    @Test(arguments: cases)
    func overALimitIsReportedAtItsField(_ testCase: Case) throws {
        var fields = CampaignFixture.validFields
        for (key, value) in testCase.fields { fields[key] = value }
        var files = ["list.csv": CampaignFixture.validCSV]
        for (name, contents) in testCase.files { files[name] = contents }
        files["campaign.json"] = CampaignFixture.json(fields)
        let fixture = try CampaignFixture(files: files)
        defer { fixture.remove() }
        let error = #expect(throws: CampaignValidationError.self) {
            try CampaignLoader(limits: Self.small).load(path: fixture.campaignPath)
        }
        let lines = error?.lines.map { $0.replacingOccurrences(of: fixture.campaignPath, with: "campaign.json") } ?? []
        #expect(lines == testCase.expected)
    }

    @Test func atTheLimitsACampaignLoads() throws {
        var fields = CampaignFixture.validFields
        fields["attachments"] = #"[{"path": "a.bin"}, {"path": "b.bin"}]"#
        fields["text"] = nil
        fields["text_file"] = "\"body.txt\""
        let fixture = try CampaignFixture(files: [
            "campaign.json": CampaignFixture.json(fields), "a.bin": String(repeating: "a", count: 1024), "b.bin": String(repeating: "b", count: 512),
            // 1,024 bytes after the byte order mark, which does not count.
            "body.txt": "\u{FEFF}" + String(repeating: "x", count: 1001) + "{{first_name}} {{city}}",
            "list.csv": "email,first_name,city\na@example.com,A,X\nb@example.com,B,X\nc@example.com,C,X\na@example.com,A,X\n",
        ])
        defer { fixture.remove() }
        let loaded = try CampaignLoader(limits: Self.small).load(path: fixture.campaignPath)
        #expect(loaded.recipientCount == 3)
        #expect(loaded.duplicateCount == 1)
        #expect(loaded.spec.attachments.map(\.data.count) == [1024, 512])
        #expect(Self.small.violations(of: loaded.spec).isEmpty)
    }

    /// A device that never ends and a sparse 64 GiB file are refused after reading at most
    /// one byte past the limit: the loader neither hangs nor fills memory.
    @Test func endlessAndHugeFilesAreNotReadWhole() throws {
        let fixture = try CampaignFixture(files: [:])
        defer { fixture.remove() }
        let huge = fixture.directory.appendingPathComponent("huge.bin").path
        #expect(FileManager.default.createFile(atPath: huge, contents: nil))
        #expect(truncate(huge, 64 << 30) == 0)
        var fields = CampaignFixture.validFields
        fields["attachments"] = #"[{"path": "/dev/zero"}, {"path": "huge.bin"}]"#
        fields["text"] = nil
        fields["html_file"] = "\"/dev/zero\""
        try Data(CampaignFixture.json(fields).utf8).write(to: URL(fileURLWithPath: fixture.campaignPath))
        try Data(CampaignFixture.validCSV.utf8).write(to: fixture.directory.appendingPathComponent("list.csv"))
        let error = #expect(throws: CampaignValidationError.self) {
            try CampaignLoader().load(path: fixture.campaignPath)
        }
        let problems = error?.problems.map(\.description) ?? []
        #expect(problems.contains { $0.hasPrefix("html_file: /dev/zero is 256.0 KiB (262,148 bytes), larger than the 256 KiB (262,144 bytes) limit") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("attachments[0]: 5.0 MiB (5,242,881 bytes), larger than the 5 MiB (5,242,880 bytes) limit for one attachment") },
                "\(problems)")
        #expect(problems.contains { $0.hasPrefix("attachments[1]: 64 GiB, larger than the 5 MiB limit for one attachment") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("attachments: 64.0 GiB of attachments in all, more than the 8 MiB limit") }, "\(problems)")
    }

    @Test func theDefaultsAreTheDocumentedOnes() {
        #expect(CampaignLimits.standard == CampaignLimits(maximumRecipients: 1_000_000, maximumAttachments: 10, maximumAttachmentSize: 5 << 20,
                                                          maximumTotalAttachmentSize: 8 << 20, maximumTemplateSize: 256 << 10))
        #expect(CampaignLoader().limits == .standard)
    }

    @Test(arguments: [(0, "0 bytes"), (1, "1 byte"), (1023, "1023 bytes"), (1024, "1 KiB"), (1536, "1.5 KiB"), (5 << 20, "5 MiB"),
                      (32_715_571, "31.2 MiB"), (3 << 30, "3 GiB")])
    func sizesReadAsPeopleWriteThem(_ bytes: Int, _ text: String) {
        #expect(ByteSize.describe(bytes) == text)
    }

    @Test func aViolationNamesItsPlaceBothNumbersAndItsKey() {
        let violation = CampaignLimitViolation(.attachmentSize, place: "attachments[2]", actual: 32_715_571, maximum: 25 << 20)
        #expect(violation.description == "attachments[2]: 31.2 MiB, larger than the 25 MiB limit for one attachment")
        #expect(violation.configurationKey == "max_attachment_size")
        let recipients = CampaignLimitViolation(.recipients, place: "recipients", actual: 1_000_001, maximum: 1_000_000)
        #expect(recipients.message == "1,000,001 recipients, more than the 1,000,000 a job may have")
    }
}
