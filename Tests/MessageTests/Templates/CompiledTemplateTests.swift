@testable import Message
import Testing

/// Both rendering paths (precomputed segments for plain variable tags, swift-mustache for the
/// rest) give the same output, and templates report the variables they use.
struct CompiledTemplateTests {
    static func values(_ custom: [String: String]) -> TemplateValues {
        var values = TemplateValues()
        values.email = "ann@example.com"
        values.name = "Ann"
        values.custom = custom
        return values
    }

    struct Case: Sendable, CustomStringConvertible {
        var template: String
        var escaping: TemplateEscaping
        var variables: [String: String]
        var expected: String
        var description: String { template }
    }

    static let cases: [Case] = [
        Case(template: "Hi {{name}} <{{email}}>", escaping: .none, variables: [:], expected: "Hi Ann <ann@example.com>"),
        Case(template: "<p>{{v}}</p>", escaping: .html, variables: ["v": "<b>&\"'</b>"], expected: "<p>&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;</p>"),
        // The same value through swift-mustache (a section forces that path): same escaping.
        Case(template: "<p>{{#v}}{{v}}{{/v}}</p>", escaping: .html, variables: ["v": "<b>&\"'</b>"], expected: "<p>&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;</p>"),
        Case(template: "{{{v}}} {{& v}}", escaping: .html, variables: ["v": "<i>"], expected: "<i> <i>"),
        Case(template: "{{#v}}{{{v}}}{{/v}}", escaping: .html, variables: ["v": "<i>"], expected: "<i>"),
        Case(template: "{{v}}", escaping: .none, variables: ["v": "<b>&"], expected: "<b>&"),
        Case(template: "{{#v}}{{v}}{{/v}}", escaping: .none, variables: ["v": "<b>&"], expected: "<b>&"),
        Case(template: "https://x.example/u?e={{email}}&c={{v}}", escaping: .url, variables: ["v": "a b/ü&"],
             expected: "https://x.example/u?e=ann%40example.com&c=a%20b%2F%C3%BC%26"),
        Case(template: "https://x.example/{{#v}}{{v}}{{/v}}", escaping: .url, variables: ["v": "a b"], expected: "https://x.example/a%20b"),
        Case(template: "{{#vip}}VIP {{name}}{{/vip}}{{^vip}}Dear {{name}}{{/vip}}", escaping: .none, variables: ["vip": "yes"], expected: "VIP Ann"),
        Case(template: "{{#vip}}VIP {{name}}{{/vip}}{{^vip}}Dear {{name}}{{/vip}}", escaping: .none, variables: [:], expected: "Dear Ann"),
        Case(template: "{{! a comment }}Hello {{missing}}!", escaping: .none, variables: [:], expected: "Hello !"),
        Case(template: "no tags at all", escaping: .none, variables: [:], expected: "no tags at all"),
        Case(template: "a{{v}}b{{v}}c", escaping: .none, variables: ["v": "日本"], expected: "a日本b日本c"),
    ]

    @Test(arguments: cases)
    func rendersLikeMustache(testCase: Case) throws {
        let template = try CompiledTemplate(testCase.template, escaping: testCase.escaping)
        #expect(template.render(Self.values(testCase.variables)) == testCase.expected)
    }

    @Test(arguments: [
        ("Hi {{name}}, {{ first_name }}\n{{{city}}} {{&zip}}", ["name", "first_name", "city", "zip"], true),
        ("{{#vip}}{{level}}{{/vip}}", ["level"], false),
        ("line1\nline2 {{a.b}}", ["a"], false),
        ("{{! only a comment }}", [], false),
        ("{{=<% %>=}}<% x %>", [], false),
    ])
    func scannerFindsVariables(template: String, names: [String], plain: Bool) {
        let result = TemplateScanner.scan(template)
        #expect(result.variables.map(\.name) == names)
        #expect((result.segments != nil) == plain)
    }

    @Test func scannerReportsLines() {
        #expect(TemplateScanner.scan("a\nb\n\nc {{x}}").variables == [TemplateScanner.Variable(name: "x", line: 4)])
    }

    @Test func syntaxErrorsNameTheLine() {
        #expect(throws: TemplateParseError.self) { try CompiledTemplate("ok\n{{#a}}never closed", escaping: .none) }
        do {
            _ = try CompiledTemplate("ok\n{{#a}}x{{/b}}", escaping: .html)
            Issue.record("accepted a mismatched section")
        } catch {
            #expect(error.description.hasPrefix("template error at line 2"), "\(error.description)")
        }
    }

    /// The parser's own word for running off the end ("overflow") is not what an operator reads.
    @Test func aTagLeftOpenAtTheEndSaysSo() {
        do {
            _ = try CompiledTemplate("hello {{v", escaping: .none)
            Issue.record("accepted an unclosed tag")
        } catch {
            #expect(error.description == "template error at line 1: the template ends inside a tag ('}}' missing)", "\(error.description)")
        }
    }
}
