/// Finds the tags of a Mustache template without rendering it: the variables it uses (for the
/// "undefined variable" check at load time, with line numbers) and whether it is made only of
/// text and plain `{{name}}` / `{{{name}}}` / `{{&name}}` tags, which `CompiledTemplate` then
/// renders without swift-mustache's general machinery.
///
/// Section names (`{{#vip}}`, `{{^vip}}`) are not reported as required: a section is how a
/// template handles a variable some recipients lack. After a set-delimiter tag (`{{=<% %>=}}`)
/// the rest of the template is not scanned.
///
/// Tags that swift-mustache parses but that can never show a campaign value are listed as
/// unsupported, so loading fails instead of every message showing nothing (or, for `{{.}}`, a
/// Swift dictionary): variables are flat strings and a campaign has no partials.
enum TemplateScanner {
    struct Variable: Equatable {
        /// The first component of a dotted name (`a` for `{{a.b}}`): values are strings.
        var name: String
        /// 1-based line of the tag in the template.
        var line: Int
    }

    enum Segment: Equatable {
        case text([UInt8])
        case variable(String, escaped: Bool)
    }

    /// A tag a campaign template may not use, and why, for the operator.
    struct Unsupported: Equatable {
        var tag: String
        var line: Int
        var problem: String

        var description: String { "\(tag) \(problem)" }
    }

    struct Result {
        var variables: [Variable]
        /// nil when the template uses anything beyond text and plain variable tags.
        var segments: [Segment]?
        var unsupported: [Unsupported] = []
    }

    static func scan(_ template: String) -> Result {
        let bytes = Array(template.utf8)
        var variables: [Variable] = []
        var unsupported: [Unsupported] = []
        var segments: [Segment]? = []
        var text: [UInt8] = []
        var line = 1
        var index = 0
        // Inside a section `{{.}}` is the section's value, the recipient's string.
        var sectionDepth = 0
        let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        func flushText() {
            if !text.isEmpty { segments?.append(.text(text)) }
            text.removeAll()
        }
        while index < bytes.count {
            guard bytes[index] == open, index + 1 < bytes.count, bytes[index + 1] == open else {
                if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                text.append(bytes[index])
                index += 1
                continue
            }
            let triple = index + 2 < bytes.count && bytes[index + 2] == open
            let contentStart = index + (triple ? 3 : 2)
            let closer: [UInt8] = triple ? [close, close, close] : [close, close]
            guard let contentEnd = find(closer, in: bytes, from: contentStart) else {
                // An unclosed tag: swift-mustache reports it when the template is parsed.
                segments = nil
                break
            }
            let content = String(decoding: bytes[contentStart..<contentEnd], as: UTF8.self)
            let tagLine = line
            line += bytes[index..<contentEnd].filter { $0 == UInt8(ascii: "\n") }.count
            index = contentEnd + closer.count
            var name = content.trimmingWhitespace
            var escaped = !triple
            let tag = String(decoding: bytes[contentStart - (triple ? 3 : 2)..<index], as: UTF8.self)
            func refuse(_ problem: String) { unsupported.append(Unsupported(tag: tag, line: tagLine, problem: problem)) }
            if !triple, let sigil = name.first {
                switch sigil {
                case "&":
                    escaped = false
                    name = String(name.dropFirst()).trimmingWhitespace
                case "#", "^", "/":
                    // `/` closes a section already reported at its opening tag.
                    let section = String(name.dropFirst()).trimmingWhitespace
                    if sigil != "/", section.contains(".") { refuse(Self.dottedProblem(section)) }
                    sectionDepth = max(0, sectionDepth + (sigil == "/" ? -1 : 1))
                    segments = nil
                    continue
                case ">", "<":
                    refuse("includes another template, and a campaign has none: put the text in this template")
                    segments = nil
                    continue
                case "!":
                    segments = nil
                    continue
                case "$":
                    refuse("is a block for template inheritance, which campaign templates do not use: write its text directly")
                    segments = nil
                    continue
                case "%":
                    // A pragma could switch off the HTML escaping maild sets for the HTML part,
                    // putting recipients' data into the markup unescaped.
                    refuse("is a pragma, which campaign templates may not set: maild chooses the escaping of each part")
                    segments = nil
                    continue
                case "=":
                    refuse("changes the tag delimiters, which campaign templates do not support: write every tag with {{ and }}")
                    return Result(variables: variables, segments: nil, unsupported: unsupported)
                default:
                    break
                }
            }
            guard !name.isEmpty else {
                segments = nil
                continue
            }
            if name == "." {
                if sectionDepth == 0 { refuse(Self.dottedProblem(name)) }
                segments = nil
                continue
            }
            var variableName = name
            if let open = name.lastIndex(of: "("), let close = name[open...].firstIndex(of: ")") {
                // A transform, `{{uppercased(name)}}`: the variable is inside the parentheses.
                variableName = String(name[name.index(after: open)..<close]).trimmingWhitespace
            }
            let first = variableName.split(separator: ".", maxSplits: 1).first.map(String.init) ?? variableName
            variables.append(Variable(name: first, line: tagLine))
            if variableName.contains(".") { refuse(Self.dottedProblem(variableName)) }
            if first != name {
                // Dotted names and transforms (`{{uppercased(name)}}`) are left to swift-mustache.
                segments = nil
                continue
            }
            flushText()
            segments?.append(.variable(name, escaped: escaped))
        }
        if index < bytes.count { text.append(contentsOf: bytes[index...]) }
        flushText()
        return Result(variables: variables, segments: segments, unsupported: unsupported)
    }

    /// Mustache looks inside a value for `a.b` and shows the current item for `.`; campaign
    /// values are plain strings, so neither can show anything but nothing.
    private static func dottedProblem(_ name: String) -> String {
        if name == "." { return "shows the current item of a list, and campaign variables are single strings: name the variable, e.g. {{first_name}}" }
        let first = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
        return "looks inside a value, and campaign variables are single strings with no fields: write {{\(first)}} or name the variable without a dot"
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0] && bytes[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
