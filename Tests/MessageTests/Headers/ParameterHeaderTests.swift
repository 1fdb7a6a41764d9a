import Foundation
import Message
import Testing

/// MIME parameters (RFC 2045 5.1, RFC 2231): tokens, quoted strings, extended values and
/// continuations.
struct ParameterHeaderTests {
    let encoder = HeaderEncoder()

    struct Exact: Sendable, CustomTestStringConvertible {
        var name: String
        var value: String
        var parameters: [HeaderParameter]
        var field: String
        var testDescription: String { field.prefix(60).description }
    }

    static func filename(_ value: String) -> [HeaderParameter] { [HeaderParameter(name: "filename", value: value)] }

    static let exact: [Exact] = [
        Exact(name: "Content-Type", value: "text/plain", parameters: [HeaderParameter(name: "charset", value: "utf-8")],
              field: "Content-Type: text/plain; charset=utf-8\r\n"),
        Exact(name: "Content-Type", value: "multipart/alternative", parameters: [HeaderParameter(name: "boundary", value: "=_b1:x")],
              field: "Content-Type: multipart/alternative; boundary=\"=_b1:x\"\r\n"),
        Exact(name: "Content-Disposition", value: "inline", parameters: [], field: "Content-Disposition: inline\r\n"),
        Exact(name: "Content-Disposition", value: "attachment", parameters: filename("report.pdf"),
              field: "Content-Disposition: attachment; filename=report.pdf\r\n"),
        Exact(name: "Content-Disposition", value: "attachment", parameters: filename("my report.pdf"),
              field: "Content-Disposition: attachment; filename=\"my report.pdf\"\r\n"),
        Exact(name: "Content-Disposition", value: "attachment", parameters: filename("a\"b\\c.pdf"),
              field: "Content-Disposition: attachment; filename=\"a\\\"b\\\\c.pdf\"\r\n"),
        Exact(name: "Content-Disposition", value: "attachment", parameters: filename(""),
              field: "Content-Disposition: attachment; filename=\"\"\r\n"),
        Exact(name: "Content-Disposition", value: "attachment", parameters: filename("Rechnung März.pdf"),
              field: "Content-Disposition: attachment; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf\r\n"),
        Exact(name: "Content-Disposition", value: "attachment", parameters: filename("=?UTF-8?Q?x?=.pdf"),
              field: "Content-Disposition: attachment;\r\n filename*=UTF-8''%3D%3FUTF-8%3FQ%3Fx%3F%3D.pdf\r\n"),
    ]

    @Test(arguments: exact)
    func exactOutput(_ testCase: Exact) throws {
        #expect(try encoder.encode(name: testCase.name, value: testCase.value, parameters: testCase.parameters) == testCase.field)
    }

    @Test func longNonASCIIFilenameUsesNumberedExtendedContinuations() throws {
        let name = "Jahresabschluss Übersicht für die Geschäftsführung – Entwurf März 2025 (vertraulich).pdf"
        let field = try encoder.encode(name: "Content-Disposition", value: "attachment", parameters: Self.filename(name))
        #expect(HeaderWireChecks.problems(in: field, preferredLength: 78) == [])
        let lines = HeaderWireChecks.lines(of: field)
        #expect(lines[1].hasPrefix(" filename*0*=UTF-8''"))
        #expect(lines[2].hasPrefix(" filename*1*="))
        // No %XX is cut and every segment is complete UTF-8 once percent-decoded.
        for line in lines.dropFirst() {
            let segment = line.split(separator: "=", maxSplits: 1)[1].replacingOccurrences(of: "UTF-8''", with: "")
                .trimmingCharacters(in: [";"])
            #expect(segment.removingPercentEncoding != nil, "\(segment)")
        }
        #expect(try Self.collapse(field) == name)
    }

    @Test func longASCIIFilenameUsesQuotedContinuations() throws {
        let name = "quarterly report for the board of directors, \"final\" version 7 (approved by legal) 2025.pdf"
        let field = try encoder.encode(name: "Content-Disposition", value: "attachment", parameters: Self.filename(name))
        #expect(HeaderWireChecks.problems(in: field, preferredLength: 78) == [])
        #expect(HeaderWireChecks.lines(of: field)[1].hasPrefix(" filename*0=\""))
        #expect(try Self.collapse(field) == name)
    }

    struct BadToken: Sendable, CustomTestStringConvertible {
        var value: String
        var parameterName: String
        var error: MessageError
        var testDescription: String { "\(error)" }
    }

    static let badTokens: [BadToken] = [
        BadToken(value: "text plain", parameterName: "charset", error: .invalidToken("text plain", offset: 4, field: "Content-Type")),
        BadToken(value: "text/", parameterName: "charset", error: .invalidToken("text/", offset: 4, field: "Content-Type")),
        BadToken(value: "text/plain/x", parameterName: "charset", error: .invalidToken("text/plain/x", offset: 10, field: "Content-Type")),
        BadToken(value: "", parameterName: "charset", error: .invalidToken("", offset: nil, field: "Content-Type")),
        BadToken(value: "text/plain", parameterName: "char set",
                 error: .invalidToken("char set", offset: 4, field: "Content-Type parameter name")),
        BadToken(value: "text/plain", parameterName: "charset*",
                 error: .invalidToken("charset*", offset: 7, field: "Content-Type parameter name")),
        BadToken(value: "text/plain", parameterName: "charset=utf-8; x",
                 error: .invalidToken("charset=utf-8; x", offset: 7, field: "Content-Type parameter name")),
    ]

    @Test(arguments: badTokens)
    func tokensAreChecked(_ testCase: BadToken) {
        #expect(throws: testCase.error) {
            _ = try encoder.encode(name: "Content-Type", value: testCase.value,
                                   parameters: [HeaderParameter(name: testCase.parameterName, value: "utf-8")])
        }
    }

    /// RFC 2231 reassembly for the tests: the numbered segments in order, percent-decoded where
    /// marked with '*', quoted strings unescaped.
    static func collapse(_ field: String) throws -> String {
        let value = HeaderWireChecks.unfoldedValue(of: field)
        var pieces: [(Int, String)] = []
        for parameter in value.components(separatedBy: "; ").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0]
            var text = parts[1]
            let extended = name.hasSuffix("*")
            let number = Int(name.split(separator: "*").dropFirst().first ?? "0") ?? 0
            if extended {
                if text.hasPrefix("UTF-8''") { text = String(text.dropFirst(7)) }
                text = text.removingPercentEncoding ?? "<bad percent-encoding>"
            } else if text.hasPrefix("\"") {
                text = String(text.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                    .replacingOccurrences(of: "\\\\", with: "\\")
            }
            pieces.append((number, text))
        }
        return pieces.sorted { $0.0 < $1.0 }.map(\.1).joined()
    }
}
