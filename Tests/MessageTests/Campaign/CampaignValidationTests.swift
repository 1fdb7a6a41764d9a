import Foundation
import Message
import Testing

/// Each kind of mistake an operator makes in a campaign file, with the exact line mailctl shows.
struct CampaignValidationTests {
    struct Case: Sendable, CustomStringConvertible {
        var label: String
        /// Fields replaced in the valid campaign (nil removes the field).
        var fields: [String: String?] = [:]
        var files: [String: String] = [:]
        var expected: [String]
        var description: String { label }
    }

    static let cases: [Case] = [
        Case(label: "unknown field with suggestion", fields: ["acount": "\"demo\""],
             expected: ["campaign.json: acount: unknown field; did you mean \"account\"?"]),
        Case(label: "missing account", fields: ["account": nil],
             expected: ["campaign.json: account: missing: the sending account's name from maild's configuration (or \"accounts\": a list of them)"]),
        Case(label: "account and accounts", fields: ["accounts": "[\"demo\", \"ses\"]"],
             expected: ["campaign.json: accounts: set either account (one name) or accounts (a list), not both"]),
        Case(label: "accounts not a list", fields: ["account": nil, "accounts": "\"demo\""],
             expected: ["campaign.json: accounts: must be a non-empty list of account names, e.g. [\"gmail-main\", \"ses\"]"]),
        Case(label: "accounts empty", fields: ["account": nil, "accounts": "[]"],
             expected: ["campaign.json: accounts: must be a non-empty list of account names, e.g. [\"gmail-main\", \"ses\"]"]),
        Case(label: "accounts with a blank and a repeat", fields: ["account": nil, "accounts": "[\"demo\", 3, \"ses\", \"demo\"]"],
             expected: ["campaign.json: accounts[1]: must be a non-empty string (an account's name from maild's configuration)",
                        "campaign.json: accounts[3]: \"demo\" is listed twice"]),
        Case(label: "missing from, subject and body", fields: ["from": nil, "subject": nil, "text": nil],
             expected: ["campaign.json: from: missing: the sender, as \"Name <address>\" or {\"name\": ..., \"address\": ...}",
                        "campaign.json: subject: missing: a subject",
                        "campaign.json: text: missing body: set text, text_file, html or html_file"]),
        Case(label: "invalid from string", fields: ["from": "\"News <news@>\""],
             expected: ["campaign.json: from: \"News <news@>\" is not a valid address: nothing after the '@'"]),
        Case(label: "inline recipient address", fields: ["recipients_file": nil, "text": "\"Hi\"", "subject": "\"Hi\"",
                                                         "recipients": "[{\"email\": \"a@example.com\"}, {\"email\": \"b@example.com\"}, {\"email\": \"c@example.com\"}, {\"email\": \"bob@\"}]"],
             expected: ["campaign.json: recipients[3].email: \"bob@\" is not a valid address: nothing after the '@'"]),
        Case(label: "unreadable body file", fields: ["text": nil, "text_file": "\"missing.txt\""],
             expected: ["campaign.json: text_file: cannot read missing.txt: no such file"]),
        Case(label: "undefined variable in a body file", fields: ["text": nil, "text_file": "\"body.txt\""],
             files: ["body.txt": "Hello {{first_name}},\n\nweather in {{cty}}\n"],
             expected: ["campaign.json: text_file: body.txt line 3: {{cty}} is not defined: not a built-in variable (email, name, first_name_or_email, domain, campaign, unsubscribe_url, token) nor a column of list.csv; did you mean {{city}}?"]),
        Case(label: "variable missing from some inline recipients",
             fields: ["recipients_file": nil, "text": "\"Hi {{first_name}}\"", "subject": "\"Hi\"",
                      "recipients": "[{\"email\": \"a@example.com\", \"vars\": {\"first_name\": \"A\"}}, {\"email\": \"b@example.com\"}]"],
             expected: ["campaign.json: text: {{first_name}} is not defined for every recipient: recipients[1] has no \"first_name\" in vars; give it to all, or wrap it in {{#first_name}}...{{/first_name}}"]),
        Case(label: "CSV without email column", files: ["list.csv": "mail,name\r\na@example.com,A\r\n"],
             expected: ["list.csv:1: no email column; the header row must name one column \"email\" (found: mail, name)"]),
        Case(label: "CSV rows with wrong field counts and bad addresses",
             files: ["list.csv": "email,name,first_name,city\nann@example.com,Ann,Ann,Oslo\nbob@,Bob,Bob,Rome\nc@example.com,C\n\"d@example.com\",\"D, with comma\",D,\"Multi\nline\"\ne@example.com,E,E,Paris,extra\n"],
             expected: ["list.csv:3: \"bob@\" is not a valid address: nothing after the '@'",
                        "list.csv:4: 2 fields, the header row has 4",
                        "list.csv:7: 5 fields, the header row has 4"]),
        Case(label: "forged results and a field given twice", fields: ["headers": "{\"Authentication-Results\": \"x; dkim=pass\", \"X-A\": \"1\", \"x-a\": \"2\"}"],
             expected: ["campaign.json: headers.Authentication-Results: receiving servers write this field (or it describes another message); a campaign may not set it",
                        "campaign.json: headers.x-a: the same field as headers.X-A (names compare without case); keep one"]),
        Case(label: "send_at on a day its month lacks", fields: ["send_at": "\"2026-02-30T10:00:00Z\""],
             expected: ["campaign.json: send_at: \"2026-02-30T10:00:00Z\": February 2026 has 28 days"]),
        Case(label: "bad send_at", fields: ["send_at": "\"next tuesday\""],
             expected: ["campaign.json: send_at: \"next tuesday\" is not an RFC 3339 time; write it like \"2025-07-01T09:00:00+02:00\" (the offset is required)"]),
        Case(label: "bad rate limit and unknown key", fields: ["rate_limits": "{\"per_minute\": 0, \"per_minit\": 5}"],
             expected: ["campaign.json: rate_limits.per_minit: unknown field; did you mean \"per_minute\"?",
                        "campaign.json: rate_limits.per_minute: must be a whole number above 0"]),
        Case(label: "unsubscribe url not https", fields: ["unsubscribe": "{\"url\": \"http://x.example/u/{{token}}\"}"],
             expected: ["campaign.json: unsubscribe.url: must start with https:// (RFC 8058 one-click needs HTTPS)"]),
        Case(label: "unsubscribe url with a raw value", fields: ["unsubscribe": "{\"url\": \"https://example.com/u/{{token}}?e={{{email}}}\"}"],
             expected: ["campaign.json: unsubscribe.url: use {{name}}, not {{{name}}} or {{& name}}: values in the URL are percent-encoded so that a value cannot change the URL"]),
        Case(label: "unsubscribe url with an ampersand tag", fields: ["unsubscribe": "{\"url\": \"https://example.com/u/{{token}}?e={{& email}}\"}"],
             expected: ["campaign.json: unsubscribe.url: use {{name}}, not {{{name}}} or {{& name}}: values in the URL are percent-encoded so that a value cannot change the URL"]),
        Case(label: "unsubscribe url without a token", fields: ["unsubscribe": "{\"url\": \"https://example.com/u?e={{email}}\"}"],
             expected: ["campaign.json: unsubscribe.url: " + HeaderAdvice.tokenMissing]),
        Case(label: "control characters in values the subject uses, not in body-only ones",
             files: ["list.csv": "email,name,first_name,city\nann@example.com,Ann,\"An\nn\",\"Os\nlo\"\nbob@example.org,Bob,\"Bo\rb\",Rome\ncid@example.com,Cid,Ci\u{7}d,Lima\ndan@example.com,Dan,Dan\tT,\"Multi\r\nline\"\n"],
             expected: ["list.csv:2: column \"first_name\": control character U+000A at character 3; " + HeaderAdvice.csv("first_name"),
                        "list.csv:5: column \"first_name\": control character U+000D at character 3; " + HeaderAdvice.csv("first_name"),
                        "list.csv:7: column \"first_name\": control character U+0007 at character 3; " + HeaderAdvice.csv("first_name")]),
        Case(label: "control characters in inline vars the subject uses",
             fields: ["recipients_file": nil, "subject": "\"{{greeting}} {{first_name}}\"", "text": "\"{{note}}\"",
                      "recipients": "[{\"email\": \"a@example.com\", \"vars\": {\"first_name\": \"A\\nB\", \"greeting\": \"Hi\\u0000\", \"note\": \"x\\ny\"}}, {\"email\": \"b@example.com\", \"vars\": {\"first_name\": \"B\", \"greeting\": \"Yo\", \"note\": \"z\"}}]"],
             expected: ["campaign.json: recipients[0].vars.first_name: control character U+000A at character 2; " + HeaderAdvice.inline("first_name"),
                        "campaign.json: recipients[0].vars.greeting: control character U+0000 at character 3; " + HeaderAdvice.inline("greeting")]),
        Case(label: "campaign name with a line break used in the subject", fields: ["name": "\"Spring\\nSale\"", "subject": "\"{{campaign}}\""],
             expected: ["campaign.json: name: control character U+000A at character 7; the subject uses {{campaign}}, and a header field cannot hold control characters (only TAB); remove it"]),
        Case(label: "unsubscribe_url without an unsubscribe url", fields: ["text": "\"Leave: {{unsubscribe_url}} {{city}}\""],
             expected: ["campaign.json: text: {{unsubscribe_url}} is used but unsubscribe.url is not set"]),
        Case(label: "template syntax error", fields: ["subject": "\"Hi {{#vip}}VIP\""],
             expected: ["campaign.json: subject: template error at line 1: a section is not closed ({{/name}} missing)"]),
        Case(label: "reserved header", fields: ["headers": "{\"Subject\": \"x\"}"],
             expected: ["campaign.json: headers.Subject: maild writes this field itself; remove it"]),
        Case(label: "unreadable attachment", fields: ["attachments": "[{\"path\": \"nope.pdf\"}]"],
             expected: ["campaign.json: attachments[0].path: cannot read nope.pdf"]),
        Case(label: "not JSON", fields: ["name": "spring"], expected: []),
    ]

    /// The advice that follows each problem in a value the subject uses.
    enum HeaderAdvice {
        static let tokenMissing = "add {{token}} to the URL, e.g. https://example.com/unsubscribe/{{token}}: every recipient's link must carry "
            + "their unsubscribe token, which your unsubscribe handler checks (docs/campaign.md, Unsubscribe)"
        static func csv(_ variable: String) -> String { inline(variable) }
        static func inline(_ variable: String) -> String {
            "the subject uses {{\(variable)}}, and a header field cannot hold control characters (only TAB); remove it, or use {{\(variable)}} only in the bodies"
        }
    }

    @Test(arguments: cases + supportCases)
    func everyProblemIsReportedWithItsPlace(testCase: Case) throws {
        var fields = CampaignFixture.validFields
        for (key, value) in testCase.fields { fields[key] = value }
        var files = ["list.csv": CampaignFixture.validCSV]
        for (name, contents) in testCase.files { files[name] = contents }
        files["campaign.json"] = CampaignFixture.json(fields)
        let fixture = try CampaignFixture(files: files)
        defer { fixture.remove() }
        let error = #expect(throws: CampaignValidationError.self) {
            try CampaignLoader().load(path: fixture.campaignPath)
        }
        let lines = error?.lines.map { $0.replacingOccurrences(of: fixture.campaignPath, with: "campaign.json") } ?? []
        if testCase.expected.isEmpty {
            #expect(lines.count == 1 && lines[0].hasPrefix("campaign.json: not valid JSON"), "\(lines)")
        } else {
            #expect(lines == testCase.expected)
        }
    }

    @Test func manyProblemsAreAllReportedAtOnce() throws {
        let fixture = try CampaignFixture(files: [
            "campaign.json": CampaignFixture.json(["name": "\"x\"", "sbject": "\"Hi\"", "text": "\"{{nope}}\"", "recipients_file": "\"list.csv\""]),
            "list.csv": "email\nbad\ngood@example.com\n",
        ])
        defer { fixture.remove() }
        let error = #expect(throws: CampaignValidationError.self) { try CampaignLoader().load(path: fixture.campaignPath) }
        let places = error?.problems.map(\.place) ?? []
        #expect(places == ["sbject", "account", "from", "subject", "list.csv:2", "text"])
        #expect(error?.description.split(separator: "\n").count == 6)
    }

    @Test func validExampleLoadsWithCounts() throws {
        let fixture = try CampaignFixture(files: [
            "campaign.json": CampaignFixture.json(CampaignFixture.validFields),
            "list.csv": CampaignFixture.validCSV + "ANN@EXAMPLE.COM,Ann again,Ann,Oslo\r\nann@Example.com,Ann,Ann,Oslo\r\nAnn@example.com,A,A,B\r\n",
        ])
        defer { fixture.remove() }
        let loaded = try CampaignLoader().load(path: fixture.campaignPath)
        #expect(loaded.recipientCount == 4, "Ann@ differs in its local part, which is case-sensitive")
        #expect(loaded.duplicateCount == 1, "same local part, domain compared case-insensitively")
        #expect(loaded.spec.account == "demo")
        #expect(loaded.spec.text == "Hi {{first_name}} from {{city}}")
        var iterator = try loaded.makeRecipientIterator()
        let all = try iterator.next(upTo: 100)
        #expect(all.map(\.address) == ["ann@example.com", "bob@example.org", "ANN@EXAMPLE.COM", "Ann@example.com"])
        #expect(all[0] == CampaignRecipient(address: "ann@example.com", name: "Ann", variables: ["first_name": "Ann", "city": "Oslo"]))
        #expect(try iterator.next(upTo: 100).isEmpty)
        // The spec survives the IPC trip.
        let decoded = try JSONDecoder().decode(CampaignSpec.self, from: JSONEncoder().encode(loaded.spec))
        #expect(decoded == loaded.spec)
    }

    /// `accounts` lists the accounts that share the campaign; the first is `account`, and a spec
    /// stored before the field existed still decodes.
    @Test func accountsListTheAccountsThatShareTheCampaign() throws {
        var fields = CampaignFixture.validFields
        fields["account"] = nil
        fields["accounts"] = "[\"gmail-main\", \"ses\", \"mailgun\"]"
        let fixture = try CampaignFixture(files: ["campaign.json": CampaignFixture.json(fields), "list.csv": CampaignFixture.validCSV])
        defer { fixture.remove() }
        let spec = try CampaignLoader().load(path: fixture.campaignPath).spec
        #expect(spec.account == "gmail-main")
        #expect(spec.additionalAccounts == ["ses", "mailgun"])
        #expect(spec.accounts == ["gmail-main", "ses", "mailgun"])
        #expect(try JSONDecoder().decode(CampaignSpec.self, from: JSONEncoder().encode(spec)) == spec)
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(spec)) as? [String: Any] ?? [:]
        old["additionalAccounts"] = nil
        let decoded = try JSONDecoder().decode(CampaignSpec.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.accounts == ["gmail-main"])
    }

    /// mailctl submit checks the rows of a large list while it uploads them (the loader reads only
    /// the header then): the streaming check refuses the same values, at the same place.
    @Test func streamedRowsAreCheckedForValuesTheSubjectUses() throws {
        let fixture = try CampaignFixture(files: [
            "campaign.json": CampaignFixture.json(CampaignFixture.validFields),
            "list.csv": "email,first_name,city\nann@example.com,Ann,\"Os\nlo\"\nbob@example.org,\"Bo\nb\",Rome\n",
        ])
        defer { fixture.remove() }
        var loader = CampaignLoader()
        loader.readsRecipientRows = false
        var iterator = try loader.load(path: fixture.campaignPath).makeRecipientIterator()
        #expect(try iterator.next()?.address == "ann@example.com", "a line break in a body-only column is fine")
        let error = #expect(throws: CampaignValidationError.self) { _ = try iterator.next() }
        #expect(error?.problems.map(\.description) == ["list.csv:4: column \"first_name\": control character U+000A at character 3; " + HeaderAdvice.csv("first_name")])

        let skipping = try CampaignLoader(skipInvalid: true).load(path: fixture.campaignPath)
        #expect(skipping.skippedCount == 1)
        var rest = try skipping.makeRecipientIterator()
        #expect(try rest.next(upTo: 10).map(\.address) == ["ann@example.com"])
    }

    @Test func uppercaseHTTPSUnsubscribeURLIsAccepted() throws {
        var fields = CampaignFixture.validFields
        fields["unsubscribe"] = "{\"url\": \"HTTPS://example.com/u/{{token}}\"}"
        let fixture = try CampaignFixture(files: ["campaign.json": CampaignFixture.json(fields), "list.csv": CampaignFixture.validCSV])
        defer { fixture.remove() }
        #expect(try CampaignLoader().load(path: fixture.campaignPath).spec.unsubscribe?.url == "HTTPS://example.com/u/{{token}}")
    }

    @Test func skipInvalidReportsSkippedRecipientsWithPlaces() throws {
        let fixture = try CampaignFixture(files: [
            "campaign.json": CampaignFixture.json(CampaignFixture.validFields),
            "list.csv": "email,first_name,city\nann@example.com,Ann,Oslo\nbob@,Bob,Rome\nnot-an-address,X,Y\ncid@example.com,Cid,Lima\n",
        ])
        defer { fixture.remove() }
        #expect(throws: CampaignValidationError.self) { try CampaignLoader().load(path: fixture.campaignPath) }
        let loaded = try CampaignLoader(skipInvalid: true).load(path: fixture.campaignPath)
        #expect(loaded.skippedCount == 2)
        #expect(loaded.skipped.map(\.description) == ["list.csv:3: \"bob@\" is not a valid address: nothing after the '@'",
                                                      "list.csv:4: \"not-an-address\" is not a valid address: no '@' between the local part and the domain"])
        var iterator = try loaded.makeRecipientIterator()
        #expect(try iterator.next(upTo: 10).map(\.address) == ["ann@example.com", "cid@example.com"])
        #expect(loaded.recipientCount == 2)
    }

    @Test func attachmentsAndBodiesAreInlinedIntoTheSpec() throws {
        var fields = CampaignFixture.validFields
        fields["text"] = nil
        fields["text_file"] = "\"body.txt\""
        fields["html_file"] = "\"body.html\""
        fields["attachments"] = "[{\"path\": \"terms.pdf\"}, {\"path\": \"data.bin\", \"filename\": \"Daten März.bin\", \"content_type\": \"application/x-test\"}]"
        fields["unsubscribe"] = "{\"mailto\": \"u@example.com\", \"url\": \"https://example.com/u/{{token}}\"}"
        fields["send_at"] = "\"2025-07-01T09:00:00+02:00\""
        fields["rate_limits"] = "{\"per_minute\": 100, \"per_hour\": 2000}"
        let fixture = try CampaignFixture(files: [
            "campaign.json": CampaignFixture.json(fields), "list.csv": CampaignFixture.validCSV,
            "body.txt": "\u{FEFF}Hello {{first_name}}", "body.html": "<p>{{city}}</p>", "terms.pdf": "%PDF-1.4", "data.bin": "bytes",
        ])
        defer { fixture.remove() }
        let spec = try CampaignLoader().load(path: fixture.campaignPath).spec
        #expect(spec.text == "Hello {{first_name}}")
        #expect(spec.html == "<p>{{city}}</p>")
        #expect(spec.attachments == [CampaignAttachment(filename: "terms.pdf", contentType: "application/pdf", data: Data("%PDF-1.4".utf8)),
                                     CampaignAttachment(filename: "Daten März.bin", contentType: "application/x-test", data: Data("bytes".utf8))])
        #expect(spec.sendAt == Date(timeIntervalSince1970: 1_751_353_200))
        #expect(spec.rateLimits == CampaignRateLimits(perMinute: 100, perHour: 2000))
        #expect(spec.unsubscribe == CampaignUnsubscribe(mailto: "u@example.com", url: "https://example.com/u/{{token}}"))
    }
}
