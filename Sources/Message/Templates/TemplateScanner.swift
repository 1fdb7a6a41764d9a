/// Finds the tags of a Mustache template without rendering it: the variables it uses (for the
/// "undefined variable" check at load time, with line numbers) and whether it is made only of
/// text and plain `{{name}}` / `{{{name}}}` / `{{&name}}` tags, which `CompiledTemplate` then
/// renders without swift-mustache's general machinery.
///
/// Section names (`{{#vip}}`, `{{^vip}}`) are not reported as required: a section is how a
/// template handles a variable some recipients lack. After a set-delimiter tag (`{{=<% %>=}}`)
/// the rest of the template is not scanned.
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

    struct Result {
        var variables: [Variable]
        /// nil when the template uses anything beyond text and plain variable tags.
        var segments: [Segment]?
    }

    static func scan(_ template: String) -> Result {
        let bytes = Array(template.utf8)
        var variables: [Variable] = []
        var segments: [Segment]? = []
        var text: [UInt8] = []
        var line = 1
        var index = 0
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
            if !triple, let sigil = name.first {
                switch sigil {
                case "&":
                    escaped = false
                    name = String(name.dropFirst()).trimmingWhitespace
                case "#", "^", "/", "!", ">", "<", "$", "%":
                    segments = nil
                    continue
                case "=":
                    segments = nil
                    return Result(variables: variables, segments: nil)
                default:
                    break
                }
            }
            guard !name.isEmpty, name != "." else {
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
        return Result(variables: variables, segments: segments)
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
