import Message
import Testing

/// Every place a campaign or a recipient puts text into a header, tried with CR, LF and other
/// control characters: each is refused with an error naming the field and the character, and
/// nothing that is accepted can put a line break anywhere but between folded lines.
struct HeaderInjectionTests {
    static let payloads: [String] = [
        "Hello\r\nBcc: victim@example.com",
        "Hello\nBcc: victim@example.com",
        "Hello\rBcc: victim@example.com",
        "Hello\r\n\r\n<html>injected body",
        "Hello\u{0}",
        "Hello\u{7F}",
        "Hello\u{85}Bcc: victim@example.com",
        "Hello\u{1B}[31m",
    ]

    enum Place: String, CaseIterable, Sendable {
        case subject, headerValue, displayNameParsed, displayNameSeparate, addrSpec, quotedLocalPart, filename,
             parameterValue, contentType, headerName
    }

    struct Attempt: Sendable, CustomTestStringConvertible {
        var place: Place
        var payload: String
        var testDescription: String { "\(place.rawValue): \(String(reflecting: payload))" }
    }

    static let attempts: [Attempt] = Place.allCases.flatMap { place in payloads.map { Attempt(place: place, payload: $0) } }

    @Test(arguments: attempts)
    func controlCharactersAreRefused(_ attempt: Attempt) throws {
        let encoder = HeaderEncoder()
        let payload = attempt.payload
        do {
            let output: String
            switch attempt.place {
            case .subject:
                output = try encoder.encode(name: "Subject", value: payload)
            case .headerValue:
                output = try encoder.encode(name: "X-Campaign", value: payload)
            case .displayNameParsed:
                output = try encoder.encode(name: "From", addresses: [try EmailAddress("\"\(payload)\" <sender@example.com>")])
            case .displayNameSeparate:
                output = try encoder.encode(name: "From", addresses: [try EmailAddress(addrSpec: "sender@example.com", displayName: payload)])
            case .addrSpec:
                output = try encoder.encode(name: "To", addresses: [try EmailAddress("victim@example.com" + payload)])
            case .quotedLocalPart:
                output = try encoder.encode(name: "To", addresses: [try EmailAddress("\"\(payload)\"@example.com")])
            case .filename:
                output = try encoder.encode(name: "Content-Disposition", value: "attachment",
                                            parameters: [HeaderParameter(name: "filename", value: payload + ".pdf")])
            case .parameterValue:
                output = try encoder.encode(name: "Content-Type", value: "text/plain",
                                            parameters: [HeaderParameter(name: "charset", value: payload)])
            case .contentType:
                output = try encoder.encode(name: "Content-Type", value: "text/" + payload.filter { $0 != " " }, parameters: [])
            case .headerName:
                output = try encoder.encode(name: "X-" + payload.filter { $0 != " " }, value: "x")
            }
            Issue.record("accepted: \(String(reflecting: output))")
        } catch {
            switch error {
            case .forbiddenCharacter(let scalar, _, _):
                #expect(scalar.properties.generalCategory == .control)
            case .invalidAddress(_, .controlCharacter, _):
                break
            default:
                Issue.record("refused for another reason: \(error)")
            }
        }
    }

    /// Tricks without control characters are accepted but cannot break out of their place.
    struct Trick: Sendable, CustomTestStringConvertible {
        var name: String
        var render: @Sendable (HeaderEncoder) throws -> String
        var testDescription: String { name }
    }

    static let tricks: [Trick] = [
        Trick(name: "quote and semicolon in a file name") { encoder in
            try encoder.encode(name: "Content-Disposition", value: "attachment",
                               parameters: [HeaderParameter(name: "filename", value: "x.pdf\"; filename=\"evil.exe")])
        },
        Trick(name: "encoded CRLF in a display name") { encoder in
            try encoder.encode(name: "From", addresses: [try EmailAddress(addrSpec: "a@example.com", displayName: "=?UTF-8?Q?=0D=0ABcc:_v@example.com?=")])
        },
        Trick(name: "encoded CRLF in a subject") { encoder in
            try encoder.encode(name: "Subject", value: "=?UTF-8?Q?Hi=0D=0ABcc:_victim@example.com?=")
        },
        Trick(name: "Unicode line and paragraph separators in a subject") { encoder in
            try encoder.encode(name: "Subject", value: "Hello\u{2028}Bcc: victim@example.com\u{2029}")
        },
        Trick(name: "angle brackets and comma in a display name") { encoder in
            try encoder.encode(name: "To", addresses: [try EmailAddress(addrSpec: "a@example.com", displayName: "x>, victim@example.com, <y")])
        },
    ]

    @Test(arguments: tricks)
    func tricksStayInsideTheirField(_ trick: Trick) throws {
        let field = try trick.render(HeaderEncoder())
        #expect(HeaderWireChecks.problems(in: field) == [])
        #expect(field.unicodeScalars.allSatisfy { $0.isASCII })
        // The only line breaks are folds: CRLF followed by whitespace, and the final CRLF.
        let lines = HeaderWireChecks.lines(of: field)
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") || $0.hasPrefix("\t") })
        #expect(!field.contains("victim@example.com>"))
    }
}
