import Mustache

/// How inserted values are escaped: html bodies escape like swift-mustache's HTML content type;
/// text and subject insert values as they are (the subject is RFC 2047-encoded afterwards); the
/// unsubscribe URL percent-encodes them so a value cannot change the URL's structure.
enum TemplateEscaping: Sendable {
    case none, html, url
}

/// A Mustache template parsed once per campaign and rendered per recipient into a byte buffer.
///
/// Templates made of text and plain variable tags (nearly all mail templates) are rendered from
/// precomputed byte segments; anything else (sections, transforms, partials) is rendered by
/// swift-mustache. swift-mustache parses every template either way, so both paths accept the
/// same syntax.
struct CompiledTemplate: Sendable {
    enum Piece: Sendable {
        case text([UInt8])
        case variable(TemplateKey, escaped: Bool)
    }

    let escaping: TemplateEscaping
    private let pieces: [Piece]?
    private let mustache: MustacheTemplate
    /// False when the template is constant text, so callers can precompute its output.
    let hasTags: Bool

    /// Throws swift-mustache's parse error description.
    init(_ source: String, escaping: TemplateEscaping) throws(TemplateParseError) {
        self.escaping = escaping
        let prefix: String
        switch escaping {
        case .html: prefix = ""
        case .none: prefix = "{{% CONTENT_TYPE: TEXT}}"
        case .url:
            URLContentType.registerOnce()
            prefix = "{{% CONTENT_TYPE: \(URLContentType.name)}}"
        }
        do {
            mustache = try MustacheTemplate(string: prefix + source)
        } catch {
            throw TemplateParseError(description: Self.describe(error, source: source))
        }
        let scan = TemplateScanner.scan(source)
        hasTags = source.contains("{{")
        pieces = scan.segments.map { segments in
            segments.map { segment in
                switch segment {
                case .text(let bytes): return .text(bytes)
                case .variable(let name, let escaped): return .variable(TemplateKey(name), escaped: escaped)
                }
            }
        }
    }

    func render(_ values: TemplateValues, into output: inout [UInt8]) {
        guard let pieces else {
            output.append(contentsOf: mustache.render(values.dictionary).utf8)
            return
        }
        for piece in pieces {
            switch piece {
            case .text(let bytes):
                output.append(contentsOf: bytes)
            case .variable(let key, let escaped):
                let value = values.value(key)
                if escaped && escaping != .none {
                    Self.appendEscaped(value, escaping: escaping, to: &output)
                } else {
                    output.append(contentsOf: value.utf8)
                }
            }
        }
    }

    func render(_ values: TemplateValues) -> String {
        var output: [UInt8] = []
        render(values, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    static func appendEscaped(_ value: String, escaping: TemplateEscaping, to output: inout [UInt8]) {
        switch escaping {
        case .none:
            output.append(contentsOf: value.utf8)
        case .html:
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "<"): output.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): output.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "&"): output.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "\""): output.append(contentsOf: "&quot;".utf8)
                case UInt8(ascii: "'"): output.append(contentsOf: "&#39;".utf8)
                default: output.append(byte)
                }
            }
        case .url:
            let hex = Array("0123456789ABCDEF".utf8)
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                    output.append(byte)
                default:
                    output.append(UInt8(ascii: "%"))
                    output.append(hex[Int(byte >> 4)])
                    output.append(hex[Int(byte & 0x0F)])
                }
            }
        }
    }

    private static func describe(_ error: any Error, source: String) -> String {
        guard let parserError = error as? MustacheTemplate.ParserError else { return "template error: \(error)" }
        let reason: String
        switch parserError.error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: reason = "a section is closed with another name than it was opened with"
        case .unfinishedName?: reason = "a tag is not closed ('}}' missing)"
        case .expectedSectionEnd?: reason = "a section is not closed ({{/name}} missing)"
        case .invalidSetDelimiter?: reason = "invalid set-delimiter tag"
        default:
            // swift-mustache's own parser reports running off the end of the text as
            // `overflow`, a type it does not export: an unclosed tag at the end of the template.
            let raw = "\(parserError.error)"
            reason = raw == "overflow" ? "the template ends inside a tag ('}}' missing)" : raw
        }
        // The content-type pragma added in front is on the first line and has no newline,
        // so line numbers are the template's own.
        return "template error at line \(parserError.context.lineNumber): \(reason)"
    }
}

/// Why a template could not be parsed, for the operator.
struct TemplateParseError: Error, CustomStringConvertible {
    var description: String
}

/// swift-mustache content type that percent-encodes values (RFC 3986 unreserved stay).
private struct URLContentType: MustacheContentType {
    static let name = "MAILD_URL"
    private static let registration: Void = MustacheContentTypes.register(URLContentType(), named: name)

    static func registerOnce() { _ = registration }

    func escapeText(_ text: String) -> String {
        var output: [UInt8] = []
        CompiledTemplate.appendEscaped(text, escaping: .url, to: &output)
        return String(decoding: output, as: UTF8.self)
    }
}
