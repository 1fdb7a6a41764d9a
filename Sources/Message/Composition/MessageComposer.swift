import Foundation

/// Turns a campaign and one recipient into the exact bytes for SMTP DATA.
///
/// Everything that is the same for every recipient is done once in `init`: templates parsed,
/// From/Reply-To/extra header fields encoded, attachments base64-encoded with their part
/// headers, boundaries chosen. `render` then fills one byte buffer per message.
///
/// Message layout (RFC 2045-2049): a text or html body alone; both as multipart/alternative
/// (text first, so the richer part wins, RFC 2046 5.1.4); with attachments, all of that as the
/// first part of multipart/mixed. Boundaries start with "=_", which quoted-printable and base64
/// never produce and which forces a 7bit part to quoted-printable (`BodyEncoder`), so no body
/// line can ever match one.
///
/// ```swift
/// let composer = try MessageComposer(spec: loaded.spec)
/// let message = try composer.render(recipient: recipient, context: RenderContext(
///     jobID: 7, recipientID: 1, date: Date(), unsubscribeSecret: key, hostname: "mail.example.com"))
/// // message.bytes go to DATA, message.envelopeRecipient to RCPT TO
/// ```
public struct MessageComposer: Sendable {
    public let spec: CampaignSpec
    private let envelopeSender: String
    private let senderRequiresSMTPUTF8: Bool
    /// From and Reply-To.
    private let originatorFields: [UInt8]
    /// MIME-Version and the campaign's extra fields.
    private let trailingFields: [UInt8]
    private let subject: CompiledTemplate
    private let constantSubjectField: [UInt8]?
    private let text: CompiledTemplate?
    private let html: CompiledTemplate?
    private let unsubscribeURL: CompiledTemplate?
    /// Whether `unsubscribeURL` is https, which earns RFC 8058 one-click.
    private let unsubscribeURLIsHTTPS: Bool
    /// `mailto:address?subject=unsubscribe%20`, completed with the recipient's token and `>`
    /// per message.
    private let unsubscribeMailtoPrefix: String?
    private let needsToken: Bool
    private let alternativeBoundary: String
    private let mixedBoundary: String
    /// Every attachment as `--boundary`, part header and base64 body.
    private let attachmentParts: [UInt8]
    private let encoder = HeaderEncoder()

    /// Fields maild writes itself; a campaign's `headers` may not set them.
    public static let reservedHeaderNames: Set<String> = [
        "from", "to", "cc", "bcc", "reply-to", "sender", "subject", "date", "message-id", "mime-version",
        "content-type", "content-transfer-encoding", "content-disposition", "list-unsubscribe",
        "list-unsubscribe-post", "return-path", "dkim-signature", "received",
    ]

    public init(spec: CampaignSpec) throws(MessageRenderError) {
        self.spec = spec
        let encoder = HeaderEncoder()
        do {
            let from = try spec.from.emailAddress()
            envelopeSender = from.smtpPath
            var originator = try encoder.encode(name: "From", addresses: [from])
            var requiresSMTPUTF8 = from.requiresSMTPUTF8
            if let replyTo = spec.replyTo {
                let address = try replyTo.emailAddress()
                originator += try encoder.encode(name: "Reply-To", addresses: [address])
                requiresSMTPUTF8 = requiresSMTPUTF8 || address.requiresSMTPUTF8
            }
            originatorFields = Array(originator.utf8)
            senderRequiresSMTPUTF8 = requiresSMTPUTF8
        } catch {
            throw .invalidSpec(field: "from", reason: error.description)
        }
        var trailing = "MIME-Version: 1.0\r\n"
        for header in spec.headers {
            guard !Self.reservedHeaderNames.contains(header.name.lowercased()) else {
                throw .invalidSpec(field: "headers.\(MessageError.quoted(header.name))", reason: "maild writes this field itself")
            }
            do {
                trailing += try encoder.encode(name: header.name, value: header.value)
            } catch {
                throw .invalidSpec(field: "headers.\(MessageError.quoted(header.name))", reason: error.description)
            }
        }
        trailingFields = Array(trailing.utf8)

        func compile(_ source: String?, _ field: String, _ escaping: TemplateEscaping) throws(MessageRenderError) -> CompiledTemplate? {
            guard let source else { return nil }
            do {
                return try CompiledTemplate(source, escaping: escaping)
            } catch {
                throw .invalidSpec(field: field, reason: error.description)
            }
        }
        guard let subject = try compile(spec.subject, "subject", .none) else { throw .invalidSpec(field: "subject", reason: "missing") }
        self.subject = subject
        if subject.hasTags {
            constantSubjectField = nil
        } else {
            do {
                constantSubjectField = Array(try encoder.encode(name: "Subject", value: spec.subject).utf8)
            } catch {
                throw .invalidSpec(field: "subject", reason: error.description)
            }
        }
        text = try compile(spec.text, "text", .none)
        html = try compile(spec.html, "html", .html)
        guard text != nil || html != nil else { throw .invalidSpec(field: "text", reason: "a text or html body is needed") }
        unsubscribeURL = try compile(spec.unsubscribe?.url, "unsubscribe.url", .url)
        if let mailto = spec.unsubscribe?.mailto {
            do {
                let address = try EmailAddress(addrSpec: mailto)
                guard address.smtpPath.unicodeScalars.allSatisfy({ $0.isASCII && $0 != "%" && $0 != "?" && $0 != "&" && $0 != "#" && $0 != "\"" }) else {
                    throw MessageRenderError.invalidSpec(field: "unsubscribe.mailto", reason: "use a plain ASCII address (no %, ?, &, #, quotes)")
                }
                // The token (base64url, so safe in a URI) says which recipient asks; the
                // unsubscribe handler checks it like the one in the URL.
                unsubscribeMailtoPrefix = "<mailto:\(address.smtpPath)?subject=unsubscribe%20"
            } catch let error as MessageRenderError {
                throw error
            } catch {
                throw .invalidSpec(field: "unsubscribe.mailto", reason: "\(error)")
            }
        } else {
            unsubscribeMailtoPrefix = nil
        }
        unsubscribeURLIsHTTPS = spec.unsubscribe?.url.map(Self.isHTTPS) ?? false
        needsToken = [spec.subject, spec.text, spec.html, spec.unsubscribe?.url].contains { $0?.contains("token") == true }
            || unsubscribeURL != nil || unsubscribeMailtoPrefix != nil

        // Boundaries depend on the content only, so a re-render (a resend after a crash) is
        // byte-identical.
        let seed = Digests.sha256(Array((spec.name + "\u{0}" + spec.subject + "\u{0}" + (spec.text ?? "") + "\u{0}" + (spec.html ?? "")).utf8))
        let tag = seed.prefix(12).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        alternativeBoundary = "=_maild_\(tag)_alt"
        mixedBoundary = "=_maild_\(tag)_mix"

        var parts: [UInt8] = []
        for (index, attachment) in spec.attachments.enumerated() {
            parts.append(contentsOf: "--\(mixedBoundary)\r\n".utf8)
            do {
                parts.append(contentsOf: try encoder.encode(name: "Content-Type", value: attachment.contentType,
                                                            parameters: Self.charsetParameter(for: attachment)).utf8)
                parts.append(contentsOf: try encoder.encode(name: "Content-Disposition", value: "attachment",
                                                            parameters: [HeaderParameter(name: "filename", value: attachment.filename)]).utf8)
            } catch {
                throw .invalidSpec(field: "attachments[\(index)]", reason: error.description)
            }
            parts.append(contentsOf: "Content-Transfer-Encoding: base64\r\n\r\n".utf8)
            BodyEncoder.appendBase64(Array(attachment.data), into: &parts)
        }
        attachmentParts = parts
    }

    public func render(recipient: CampaignRecipient, context: RenderContext) throws(MessageRenderError) -> RenderedMessage {
        let written = recipient.address.trimmingSpaces
        let address: EmailAddress
        do {
            address = try EmailAddress(addrSpec: written, displayName: recipient.name)
        } catch {
            let field = if case .forbiddenCharacter = error { "name" } else { "address" }
            throw .invalidRecipient(recipient: recipient.address, field: field, reason: error.description)
        }
        try Self.validateHostname(context.hostname)

        var values = TemplateValues()
        values.email = written
        values.name = address.displayName ?? ""
        if let at = written.lastIndex(of: "@") { values.domain = String(written[written.index(after: at)...]) }
        values.campaign = spec.name
        values.custom = recipient.variables
        if needsToken {
            values.token = UnsubscribeToken.make(secret: context.unsubscribeSecret, jobID: context.jobID, address: address)
        }
        var url: String?
        if let unsubscribeURL {
            let rendered = unsubscribeURL.render(values)
            guard rendered.utf8.count <= 900,
                  rendered.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }) else {
                throw .invalidRecipient(recipient: recipient.address, field: "unsubscribe.url",
                                        reason: "the rendered URL \(MessageError.quoted(rendered)) has spaces, non-ASCII or angle brackets, or is over 900 characters")
            }
            values.unsubscribeURL = rendered
            url = rendered
        }

        var out: [UInt8] = []
        out.reserveCapacity(4096 + attachmentParts.count)
        var scratch: [UInt8] = []
        scratch.reserveCapacity(4096)
        out.append(contentsOf: "Date: ".utf8)
        MessageDate.append(context.date, to: &out)
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: originatorFields)
        if !Self.appendShortToField(address, to: &out) {
            do {
                out.append(contentsOf: try encoder.encode(name: "To", addresses: [address]).utf8)
            } catch {
                throw .invalidRecipient(recipient: recipient.address, field: "name", reason: error.description)
            }
        }
        if let constantSubjectField {
            out.append(contentsOf: constantSubjectField)
        } else {
            scratch.removeAll(keepingCapacity: true)
            subject.render(values, into: &scratch)
            if Self.isShortPlainText(scratch, room: 78 - "Subject: ".utf8.count) {
                out.append(contentsOf: "Subject: ".utf8)
                out.append(contentsOf: scratch)
                out.append(contentsOf: "\r\n".utf8)
            } else {
                do {
                    out.append(contentsOf: try encoder.encode(name: "Subject", value: String(decoding: scratch, as: UTF8.self)).utf8)
                } catch {
                    throw .invalidRecipient(recipient: recipient.address, field: "subject", reason: error.description)
                }
            }
        }
        let messageID = Self.messageID(context)
        out.append(contentsOf: "Message-ID: ".utf8)
        out.append(contentsOf: messageID.utf8)
        out.append(contentsOf: "\r\n".utf8)
        appendListUnsubscribe(url: url, token: values.token, to: &out)
        out.append(contentsOf: trailingFields)

        if !spec.attachments.isEmpty {
            out.append(contentsOf: "Content-Type: multipart/mixed; boundary=\"\(mixedBoundary)\"\r\n\r\n--\(mixedBoundary)\r\n".utf8)
        }
        if let text, let html {
            out.append(contentsOf: "Content-Type: multipart/alternative; boundary=\"\(alternativeBoundary)\"\r\n\r\n".utf8)
            out.append(contentsOf: "--\(alternativeBoundary)\r\n".utf8)
            appendPart(text, subtype: "plain", values: values, inMultipart: true, scratch: &scratch, to: &out)
            out.append(contentsOf: "--\(alternativeBoundary)\r\n".utf8)
            appendPart(html, subtype: "html", values: values, inMultipart: true, scratch: &scratch, to: &out)
            out.append(contentsOf: "--\(alternativeBoundary)--\r\n".utf8)
        } else if let text {
            appendPart(text, subtype: "plain", values: values, inMultipart: !spec.attachments.isEmpty, scratch: &scratch, to: &out)
        } else if let html {
            appendPart(html, subtype: "html", values: values, inMultipart: !spec.attachments.isEmpty, scratch: &scratch, to: &out)
        }
        if !spec.attachments.isEmpty {
            out.append(contentsOf: attachmentParts)
            out.append(contentsOf: "--\(mixedBoundary)--\r\n".utf8)
        }
        return RenderedMessage(envelopeSender: envelopeSender, envelopeRecipient: address.smtpPath, bytes: out, messageID: messageID,
                               requiresSMTPUTF8: senderRequiresSMTPUTF8 || address.requiresSMTPUTF8, has8BitBody: false)
    }

    /// A text part. Its content always ends with a line break; inside a multipart the CRLF
    /// before the next boundary belongs to the boundary (RFC 2046 5.1.1), so one more is written
    /// for that line break to survive (base64 content carries its own).
    private func appendPart(_ template: CompiledTemplate, subtype: String, values: TemplateValues, inMultipart: Bool,
                            scratch: inout [UInt8], to out: inout [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        template.render(values, into: &scratch)
        let encoding = BodyEncoder.choose(for: scratch)
        out.append(contentsOf: "Content-Type: text/\(subtype); charset=utf-8\r\nContent-Transfer-Encoding: \(encoding.headerValue)\r\n\r\n".utf8)
        BodyEncoder.encode(scratch, as: encoding, into: &out)
        if inMultipart && encoding != .base64 { out.append(contentsOf: "\r\n".utf8) }
    }

    /// RFC 2369 List-Unsubscribe, and RFC 8058 one-click when there is an https URL. Each URI
    /// goes on its own line when both would not fit in 78 characters.
    private func appendListUnsubscribe(url: String?, token: String, to out: inout [UInt8]) {
        var entries: [String] = []
        if let unsubscribeMailtoPrefix { entries.append(unsubscribeMailtoPrefix + token + ">") }
        if let url { entries.append("<\(url)>") }
        guard !entries.isEmpty else { return }
        var line = "List-Unsubscribe:"
        var field = ""
        for (index, entry) in entries.enumerated() {
            let piece = entry + (index < entries.count - 1 ? "," : "")
            if line.utf8.count > "List-Unsubscribe:".utf8.count && line.utf8.count + 1 + piece.utf8.count > 78 {
                field += line + "\r\n"
                line = ""
            }
            line += " " + piece
        }
        field += line + "\r\n"
        out.append(contentsOf: field.utf8)
        if url != nil && unsubscribeURLIsHTTPS {
            out.append(contentsOf: "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n".utf8)
        }
    }

    /// URI schemes are case-insensitive (RFC 3986 3.1): `HTTPS://` is https, as the campaign
    /// loader accepts it.
    public static func isHTTPS(_ url: String) -> Bool {
        url.prefix(8).lowercased() == "https://"
    }

    /// `<jobID.recipientID.hash@hostname>`: the same ids give the same Message-ID, so a resend
    /// after a crash is recognisably the same message; the keyed hash keeps two installations
    /// that reuse ids from colliding.
    static func messageID(_ context: RenderContext) -> String {
        let digest = Digests.hmacSHA256(key: context.unsubscribeSecret, message: Array("message-id:\(context.jobID):\(context.recipientID)".utf8))
        let hex = Array("0123456789abcdef".utf8)
        var hash: [UInt8] = []
        hash.reserveCapacity(16)
        for byte in digest.prefix(8) {
            hash.append(hex[Int(byte >> 4)])
            hash.append(hex[Int(byte & 0x0F)])
        }
        return "<\(context.jobID).\(context.recipientID).\(String(decoding: hash, as: UTF8.self))@\(context.hostname)>"
    }

    /// The common case written directly, byte for byte what `HeaderEncoder` writes for it:
    /// printable ASCII with no leading, trailing or doubled space, no "=?" (which would need
    /// encoding) and short enough for one line.
    static func isShortPlainText(_ bytes: [UInt8], room: Int) -> Bool {
        guard !bytes.isEmpty, bytes.count <= room, bytes[0] != 0x20, bytes[bytes.count - 1] != 0x20 else { return false }
        var previous: UInt8 = 0
        for byte in bytes {
            guard byte >= 0x20 && byte < 0x7F else { return false }
            if byte == 0x20 && previous == 0x20 { return false }
            if byte == UInt8(ascii: "?") && previous == UInt8(ascii: "=") { return false }
            previous = byte
        }
        return true
    }

    /// `To: Name <addr>` or `To: addr` when the display name is plain ASCII atoms (no quoting or
    /// encoding needed) and the field fits in 78 characters; false to use `HeaderEncoder`.
    static func appendShortToField(_ address: EmailAddress, to out: inout [UInt8]) -> Bool {
        let path = address.smtpPath
        guard path.utf8.allSatisfy({ $0 < 0x80 }) else { return false }
        guard let name = address.displayName else {
            guard 4 + path.utf8.count <= 78 else { return false }
            out.append(contentsOf: "To: ".utf8)
            out.append(contentsOf: path.utf8)
            out.append(contentsOf: "\r\n".utf8)
            return true
        }
        let nameBytes = Array(name.utf8)
        guard 4 + nameBytes.count + 3 + path.utf8.count <= 78, isShortPlainText(nameBytes, room: 78),
              nameBytes.allSatisfy({ $0 == 0x20 || Unicode.Scalar($0).isASCIIAtext }) else { return false }
        out.append(contentsOf: "To: ".utf8)
        out.append(contentsOf: nameBytes)
        out.append(contentsOf: " <".utf8)
        out.append(contentsOf: path.utf8)
        out.append(contentsOf: ">\r\n".utf8)
        return true
    }

    /// Fields a campaign may not set although the composer would write them: results of checks
    /// only receiving servers make (a sender's own `Authentication-Results` or ARC set forges
    /// them), trace and resent fields, and `Content-Length`. Checked when a campaign is loaded
    /// and submitted, not when a queued job renders, so jobs queued before keep sending.
    public static let refusedCampaignHeaderNames: Set<String> = [
        "authentication-results", "arc-seal", "arc-message-signature", "arc-authentication-results", "content-length",
        "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-bcc", "resent-date", "resent-message-id",
    ]

    /// The problems of a spec's `headers` a campaign file would be refused for: refused names
    /// and one field given twice (names compare without case).
    public static func campaignHeaderProblems(in spec: CampaignSpec) -> [String] {
        var seen: [String: String] = [:]
        var problems: [String] = []
        for header in spec.headers {
            let key = header.name.lowercased()
            if refusedCampaignHeaderNames.contains(key) {
                problems.append("headers.\(header.name): receiving servers write this field (or it describes another message); a campaign may not set it")
            } else if let first = seen[key] {
                problems.append("headers.\(header.name): the same field as headers.\(first) (names compare without case); keep one")
            } else {
                seen[key] = header.name
            }
        }
        return problems
    }

    /// Tags the templates parse but that can never show a campaign value (`{{.}}`, `{{a.b}}`,
    /// partials, set-delimiter tags), each as `field: line N: {{tag}} why`. Checked when a
    /// campaign is loaded or submitted, not when a queued job is composed: a job stored before
    /// this check keeps sending as it did.
    public static func unsupportedTemplateTags(in spec: CampaignSpec) -> [String] {
        let templates: [(String, String?)] = [("subject", spec.subject), ("text", spec.text), ("html", spec.html), ("unsubscribe.url", spec.unsubscribe?.url)]
        return templates.flatMap { field, source in
            TemplateScanner.scan(source ?? "").unsupported.map { "\(field): line \($0.line): \($0.description)" }
        }
    }

    /// `charset=utf-8` for a text attachment whose type names no charset and whose bytes are
    /// UTF-8 beyond ASCII: without it RFC 2046 section 4.1.2 makes the reader take US-ASCII, and
    /// "é" shows as two replacement characters. Other bytes get no guess.
    static func charsetParameter(for attachment: CampaignAttachment) -> [HeaderParameter] {
        let type = attachment.contentType.lowercased()
        guard type.hasPrefix("text/"), !type.contains("charset"), attachment.data.contains(where: { $0 >= 0x80 }),
              String(data: attachment.data, encoding: .utf8) != nil else { return [] }
        return [HeaderParameter(name: "charset", value: "utf-8")]
    }

    /// Public so maild refuses such a `hostname` when it reads its configuration, not at the
    /// first message of every job.
    public static func validateHostname(_ hostname: String) throws(MessageRenderError) {
        let valid = !hostname.isEmpty && hostname.utf8.count <= 253 && hostname.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."): return true
            default: return false
            }
        }
        // A dot-atom (RFC 5322 section 3.6.4): no empty label, so no leading, trailing or
        // doubled dot.
        let labelsNonEmpty = hostname.first != "." && hostname.last != "." && !hostname.contains("..")
        guard valid, labelsNonEmpty else { throw .invalidHostname(hostname) }
    }
}

extension CampaignMailbox {
    /// `address` may be a bare addr-spec or, when `name` is nil, a whole `Name <addr>` mailbox.
    public func emailAddress() throws(MessageError) -> EmailAddress {
        if name == nil && address.contains("<") { return try EmailAddress(address) }
        return try EmailAddress(addrSpec: address, displayName: name)
    }
}
