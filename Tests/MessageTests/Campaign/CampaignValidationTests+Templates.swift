import Foundation
@testable import Message
import Testing
import TestSupport

/// What docs/campaign.md promises about vars and templates: values are strings or numbers, and
/// a tag that could only render nothing (or a Swift dictionary) fails loading, naming the
/// template and line, instead of every message going out wrong.
extension CampaignValidationTests {
    static let nonStringVars = "[{\"email\": \"a@example.com\", \"vars\": {\"vip\": false, \"gift\": true, \"n\": 0, \"none\": null, \"list\": [1], \"obj\": {}}}]"

    static let supportCases: [Case] = [
        Case(label: "booleans, null, lists and objects in vars",
             fields: ["recipients_file": nil, "subject": "\"Hi\"", "text": "\"{{#vip}}VIP{{/vip}} {{n}}\"", "recipients": nonStringVars],
             expected: [
                "campaign.json: recipients[0].vars.gift: is true (a boolean); vars are strings or numbers: write \"yes\" for true, and \"\" (or leave gift out) for false, so {{#gift}} sections show only for true",
                "campaign.json: recipients[0].vars.list: must be a string or a number, not a list",
                "campaign.json: recipients[0].vars.none: must be a string or a number, not null",
                "campaign.json: recipients[0].vars.obj: must be a string or a number, not an object",
                "campaign.json: recipients[0].vars.vip: is false (a boolean); vars are strings or numbers: write \"yes\" for true, and \"\" (or leave vip out) for false, so {{#vip}} sections show only for true",
             ]),
        Case(label: "implicit iterator", fields: ["subject": "\"Hello {{.}}\""],
             expected: ["campaign.json: subject: {{.}} shows the current item of a list, and campaign variables are single strings: name the variable, e.g. {{first_name}}"]),
        Case(label: "dotted name on line 2", fields: ["text": "\"Hi\\n{{city.name}}\""],
             expected: ["campaign.json: text: line 2: {{city.name}} looks inside a value, and campaign variables are single strings with no fields: write {{city}} or name the variable without a dot"]),
        Case(label: "dotted section and triple tag", fields: ["text": "\"{{#city.x}}{{{first_name.y}}}{{/city.x}}\""],
             expected: ["campaign.json: text: {{#city.x}} looks inside a value, and campaign variables are single strings with no fields: write {{city}} or name the variable without a dot",
                        "campaign.json: text: {{{first_name.y}}} looks inside a value, and campaign variables are single strings with no fields: write {{first_name}} or name the variable without a dot"]),
        Case(label: "partial in a body file", fields: ["text": nil, "text_file": "\"body.txt\""], files: ["body.txt": "Hello\n\n{{> footer}}\n"],
             expected: ["campaign.json: text_file: body.txt line 3: {{> footer}} includes another template, and a campaign has none: put the text in this template"]),
        Case(label: "pragma in html", fields: ["html": "\"{{%CONTENT_TYPE:TEXT}}<p>{{first_name}}</p>\""],
             expected: ["campaign.json: html: {{%CONTENT_TYPE:TEXT}} is a pragma, which campaign templates may not set: maild chooses the escaping of each part"]),
        Case(label: "inheritance block", fields: ["text": "\"{{$greeting}}Hi{{/greeting}}\""],
             expected: ["campaign.json: text: {{$greeting}} is a block for template inheritance, which campaign templates do not use: write its text directly"]),
        Case(label: "set-delimiter tag in html", fields: ["html": "\"<p>{{=<% %>=}}<% first_name %></p>\""],
             expected: ["campaign.json: html: {{=<% %>=}} changes the tag delimiters, which campaign templates do not support: write every tag with {{ and }}"]),
    ]

    /// Strings and numbers still load; sections over them and transforms stay allowed.
    @Test func varsStringsNumbersSectionsAndTransformsLoad() throws {
        var fields = CampaignFixture.validFields
        fields["recipients_file"] = nil
        fields["subject"] = "\"Hi {{uppercased(first_name)}}\""
        // Inside a section {{.}} is the section's value: "Dear A," (a common Mustache idiom).
        fields["text"] = "\"{{#vip}}VIP {{vip}}{{/vip}}{{^vip}}-{{/vip}} {{n}} {{! a comment }}{{#first_name}}Dear {{.}},{{/first_name}}\""
        fields["recipients"] = "[{\"email\": \"a@example.com\", \"vars\": {\"first_name\": \"A\", \"vip\": \"yes\", \"n\": 1.5}}, {\"email\": \"b@example.com\", \"vars\": {\"first_name\": \"B\", \"vip\": \"\", \"n\": 0}}]"
        let fixture = try CampaignFixture(files: ["campaign.json": CampaignFixture.json(fields)])
        defer { fixture.remove() }
        let loaded = try CampaignLoader().load(path: fixture.campaignPath)
        #expect(loaded.recipientCount == 2)
        #expect(MessageComposer.unsupportedTemplateTags(in: loaded.spec).isEmpty)
        let context = RenderContext(jobID: 1, recipientID: 1, date: Date(timeIntervalSince1970: 1_751_360_400),
                                    unsubscribeSecret: Array("secret".utf8), hostname: "maild.test")
        var recipients = try loaded.makeRecipientIterator()
        let first = try #require(try recipients.next())
        let rendered = try MessageComposer(spec: loaded.spec).render(recipient: first, context: context)
        #expect(String(decoding: rendered.bytes, as: UTF8.self).contains("Dear A,"))
    }

    @Test func specCheckNamesUnsupportedTagsWithFieldAndLine() throws {
        var spec = try CampaignLoader().load(path: RepositoryPaths.root.appendingPathComponent("examples/campaign.json").path).spec
        spec.text = "a\n{{> footer}}"
        spec.html = "<p>{{.}}</p>"
        #expect(MessageComposer.unsupportedTemplateTags(in: spec) == [
            "text: line 2: {{> footer}} includes another template, and a campaign has none: put the text in this template",
            "html: line 1: {{.}} shows the current item of a list, and campaign variables are single strings: name the variable, e.g. {{first_name}}",
        ])
    }
}

extension CampaignValidationTests {
    /// A JSON syntax error is placed by line and column, as an editor shows it, not only by the
    /// byte offset Foundation reports.
    @Test func aJSONSyntaxErrorNamesItsLineAndColumn() throws {
        let fixture = try CampaignFixture(files: ["campaign.json": "{\n  \"name\": \"x\",\n  \"subject\": \"y\"\n  \"text\": \"z\"\n}\n"])
        defer { fixture.remove() }
        let error = #expect(throws: CampaignValidationError.self) {
            try CampaignLoader().load(path: fixture.campaignPath)
        }
        let line = error?.lines.first ?? ""
        #expect(line.contains("not valid JSON at line 4, column 3"), "\(line)")
    }
}
