import Foundation
import Message
import Testing

/// No value from a campaign or a recipient can add a header line, a MIME boundary or an SMTP
/// command: each place is tried with CR, LF and other controls, and is either refused with an
/// error naming the field or ends up encoded inside the body.
struct ComposerInjectionTests {
    static let payloads = ["x\r\nBcc: victim@example.com", "x\nBcc: victim@example.com", "x\rBcc: victim@example.com",
                           "x\u{85}Bcc: victim@example.com", "x\u{0}y", "x\u{7F}"]

    static func baseSpec() -> CampaignSpec {
        CampaignSpec(name: "inject", account: "demo", from: CampaignMailbox(name: "Sender", address: "s@example.com"),
                     subject: "Hi {{v}}", text: "Body {{v}}", html: "<p>{{v}}</p>",
                     unsubscribe: CampaignUnsubscribe(url: "https://example.com/u/{{v}}"))
    }

    static let context = RenderContext(jobID: 1, recipientID: 1, date: Date(timeIntervalSince1970: 0), unsubscribeSecret: [1, 2, 3],
                                       hostname: "example.com")

    enum Place: String, CaseIterable, Sendable {
        case fromName, replyToName, headerValue, headerName, attachmentFilename, attachmentType, subjectTemplate
        case recipientName, recipientAddress, subjectVariable
    }

    /// Places in the spec: refused when the composer is built.
    @Test(arguments: Place.allCases, payloads)
    func eachPlaceRefusesControlCharacters(place: Place, payload: String) throws {
        var spec = Self.baseSpec()
        var recipient = CampaignRecipient(address: "r@example.com", name: "R", variables: ["v": "ok"])
        switch place {
        case .fromName: spec.from.name = payload
        case .replyToName: spec.replyTo = CampaignMailbox(name: payload, address: "r@example.com")
        case .headerValue: spec.headers = [CampaignHeader(name: "X-Note", value: payload)]
        case .headerName: spec.headers = [CampaignHeader(name: "X-\(payload)", value: "v")]
        case .attachmentFilename: spec.attachments = [CampaignAttachment(filename: payload, contentType: "text/plain", data: Data("a".utf8))]
        case .attachmentType: spec.attachments = [CampaignAttachment(filename: "a.txt", contentType: "text/\(payload)", data: Data("a".utf8))]
        case .subjectTemplate: spec.subject = payload
        case .recipientName: recipient.name = payload
        case .recipientAddress: recipient.address = "r\(payload)@example.com"
        case .subjectVariable: recipient.variables["v"] = payload
        }
        let message: RenderedMessage
        do {
            message = try MessageComposer(spec: spec).render(recipient: recipient, context: Self.context)
        } catch {
            let text = error.description
            #expect(!text.contains("\r") && !text.contains("\n"), "errors never carry the raw payload")
            switch place {
            case .recipientName, .recipientAddress, .subjectVariable:
                guard case .invalidRecipient(let who, let field, _) = error else {
                    Issue.record("\(place): \(error)")
                    return
                }
                #expect(who == recipient.address)
                #expect(["name", "address", "subject", "unsubscribe.url"].contains(field))
            default:
                guard case .invalidSpec = error else {
                    Issue.record("\(place): \(error)")
                    return
                }
            }
            return
        }
        Issue.record("\(place) with \(String(reflecting: payload)) was accepted: \(String(decoding: message.bytes.prefix(600), as: UTF8.self))")
    }

    /// Body variables may hold anything; they stay inside the (encoded) body.
    @Test(arguments: payloads + ["\r\n.\r\nMAIL FROM:<x@example.com>\r\n", "\r\n--=_maild_0_alt--\r\nContent-Type: text/html\r\n\r\nevil"])
    func bodyVariablesStayInTheBody(payload: String) throws {
        var spec = Self.baseSpec()
        spec.subject = "Fixed"
        spec.unsubscribe = nil
        let message = try MessageComposer(spec: spec).render(recipient: CampaignRecipient(address: "r@example.com", variables: ["v": payload]),
                                                             context: Self.context)
        let text = String(decoding: message.bytes, as: UTF8.self)
        let header = text.components(separatedBy: "\r\n\r\n")[0]
        #expect(!header.contains("Bcc"))
        let lines = text.components(separatedBy: "\r\n")
        #expect(!lines.contains { $0.hasPrefix(".") }, "no line can end SMTP DATA")
        let boundaryLines = lines.filter { $0.hasPrefix("--=_") }
        #expect(boundaryLines.count == 3, "only the composer's own boundary lines: \(boundaryLines)")
        let parsed = try PythonEmailReader.parse([message.bytes])[0]
        let parts = parsed["parts"] as? [[String: Any]] ?? []
        #expect(parts.count == 2)
        #expect((parsed["headers"] as? [String: Any])?["Subject"] as? [String] == ["Fixed"])
        #expect((parsed["header_names"] as? [String])?.contains { $0.lowercased() == "bcc" } == false)
        let bodies = parts.compactMap { $0["text"] as? String }
        let expected = payload.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        #expect(bodies.first == "Body \(expected)" + (expected.hasSuffix("\n") ? "" : "\n"), "the text body carries the value as it was")
    }

    @Test func hostnameForMessageIDIsChecked() throws {
        var context = Self.context
        context.hostname = "example.com>\r\nBcc: x"
        #expect(throws: MessageRenderError.invalidHostname(context.hostname)) {
            try MessageComposer(spec: Self.baseSpec()).render(recipient: CampaignRecipient(address: "r@example.com", variables: ["v": "1"]),
                                                              context: context)
        }
    }

    /// The part after a Message-ID's "@" is a dot-atom: no empty label.
    @Test(arguments: ["-a..b.", ".example.com", "example.com.", "a..b"])
    func hostnamesThatAreNoDotAtomAreRefused(hostname: String) {
        #expect(throws: MessageRenderError.invalidHostname(hostname)) { try MessageComposer.validateHostname(hostname) }
    }

    @Test func reservedHeadersCannotBeSetByTheCampaign() {
        var spec = Self.baseSpec()
        spec.headers = [CampaignHeader(name: "bcc", value: "victim@example.com")]
        #expect(throws: MessageRenderError.self) { try MessageComposer(spec: spec) }
    }
}
