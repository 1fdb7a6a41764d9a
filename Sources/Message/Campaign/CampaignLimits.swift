/// How much one campaign may hold: recipients, attachments and template sizes. maild enforces
/// the operator's values (`[limits]` in maild.conf, docs/configuration.md) on every upload,
/// because a client can skip mailctl and talk to the socket directly; mailctl checks the
/// built-in defaults (`standard`) while loading, so a user learns before uploading anything.
///
/// Why these exist at all: without them the 16 MiB IPC frame was the only bound on a spec and
/// nothing bounded recipients per job, so one client could fill the disk or make every message
/// of a campaign megabytes large.
public struct CampaignLimits: Sendable, Equatable {
    /// Recipients one job may have (what the client uploads, duplicates included).
    public var maximumRecipients: Int
    /// Files attached to every message.
    public var maximumAttachments: Int
    /// Bytes of one attachment, before base64.
    public var maximumAttachmentSize: Int
    /// Bytes of all attachments together, before base64.
    public var maximumTotalAttachmentSize: Int
    /// UTF-8 bytes of each template (subject, text and html, each on its own).
    public var maximumTemplateSize: Int

    public init(maximumRecipients: Int, maximumAttachments: Int, maximumAttachmentSize: Int, maximumTotalAttachmentSize: Int,
                maximumTemplateSize: Int) {
        self.maximumRecipients = maximumRecipients
        self.maximumAttachments = maximumAttachments
        self.maximumAttachmentSize = maximumAttachmentSize
        self.maximumTotalAttachmentSize = maximumTotalAttachmentSize
        self.maximumTemplateSize = maximumTemplateSize
    }

    /// The defaults, documented in docs/configuration.md#limits. A million recipients is the
    /// largest list docs/campaign.md plans for; 5 MiB per file and 8 MiB in all keep each
    /// message far below the 20-25 MB most providers accept after base64; 256 KiB per template
    /// is more than twice the 102 KB after which Gmail clips a message. Together they fit the
    /// 16 MiB IPC frame the spec crosses in (attachments are base64 twice on the wire).
    public static let standard = CampaignLimits(maximumRecipients: 1_000_000, maximumAttachments: 10, maximumAttachmentSize: 5 * mebibyte,
                                                maximumTotalAttachmentSize: 8 * mebibyte, maximumTemplateSize: 256 * kibibyte)

    public static let kibibyte = 1024
    public static let mebibyte = 1024 * 1024

    /// Every limit the spec breaks, in the order of its fields. Recipients are counted apart
    /// (`recipientViolation`), because they stream in after the spec.
    public func violations(of spec: CampaignSpec) -> [CampaignLimitViolation] {
        var violations: [CampaignLimitViolation] = []
        let templates: [(String, String?)] = [("subject", spec.subject), ("text", spec.text), ("html", spec.html)]
        for (place, template) in templates {
            guard let size = template?.utf8.count, size > maximumTemplateSize else { continue }
            violations.append(CampaignLimitViolation(.templateSize, place: place, actual: size, maximum: maximumTemplateSize))
        }
        if spec.attachments.count > maximumAttachments {
            violations.append(CampaignLimitViolation(.attachments, place: "attachments", actual: spec.attachments.count, maximum: maximumAttachments))
        }
        for (index, attachment) in spec.attachments.enumerated() {
            if let violation = attachmentViolation(size: attachment.data.count, index: index) { violations.append(violation) }
        }
        if let violation = totalAttachmentViolation(size: spec.attachments.reduce(0) { $0 + $1.data.count }) {
            violations.append(violation)
        }
        return violations
    }

    public func recipientViolation(count: Int, place: String = "recipients") -> CampaignLimitViolation? {
        count > maximumRecipients ? CampaignLimitViolation(.recipients, place: place, actual: count, maximum: maximumRecipients) : nil
    }

    public func attachmentViolation(size: Int, index: Int) -> CampaignLimitViolation? {
        size > maximumAttachmentSize
            ? CampaignLimitViolation(.attachmentSize, place: "attachments[\(index)]", actual: size, maximum: maximumAttachmentSize) : nil
    }

    public func totalAttachmentViolation(size: Int) -> CampaignLimitViolation? {
        size > maximumTotalAttachmentSize
            ? CampaignLimitViolation(.totalAttachmentSize, place: "attachments", actual: size, maximum: maximumTotalAttachmentSize) : nil
    }

    public func templateViolation(size: Int, place: String) -> CampaignLimitViolation? {
        size > maximumTemplateSize ? CampaignLimitViolation(.templateSize, place: place, actual: size, maximum: maximumTemplateSize) : nil
    }
}

/// One limit a campaign goes beyond, with the numbers both sides need: mailctl prints it at the
/// field (`attachments[2]: 31.2 MiB, larger than the 5 MiB limit for one attachment`), maild
/// adds the configuration key the operator raises.
public struct CampaignLimitViolation: Sendable, Equatable, CustomStringConvertible {
    /// The limits, named by their key in maild.conf's `[limits]` section.
    public enum Limit: String, Sendable, CaseIterable {
        case recipients = "max_recipients"
        case attachments = "max_attachments"
        case attachmentSize = "max_attachment_size"
        case totalAttachmentSize = "max_total_attachment_size"
        case templateSize = "max_template_size"

        /// Sizes are bytes and printed as such; the others are counts.
        public var isByteSize: Bool { self == .attachmentSize || self == .totalAttachmentSize || self == .templateSize }
    }

    public var limit: Limit
    /// The campaign field: `recipients`, `attachments`, `attachments[2]`, `html`...
    public var place: String
    public var actual: Int
    public var maximum: Int

    public init(_ limit: Limit, place: String, actual: Int, maximum: Int) {
        self.limit = limit
        self.place = place
        self.actual = actual
        self.maximum = maximum
    }

    /// The configuration key that raises this limit.
    public var configurationKey: String { limit.rawValue }

    /// What is wrong, without the place: `31.2 MiB, larger than the 5 MiB limit for one attachment`.
    public var message: String {
        let (actualText, maximumText) = limit.isByteSize ? ByteSize.pair(actual, maximum) : (Self.grouped(actual), Self.grouped(maximum))
        switch limit {
        case .recipients: return "\(actualText) recipients, more than the \(maximumText) a job may have"
        case .attachments: return "\(actualText) attachments, more than the \(maximumText) a campaign may have"
        case .attachmentSize: return "\(actualText), larger than the \(maximumText) limit for one attachment"
        case .totalAttachmentSize: return "\(actualText) of attachments in all, more than the \(maximumText) limit"
        case .templateSize: return "\(actualText), larger than the \(maximumText) limit for one template"
        }
    }

    public var description: String { "\(place): \(message)" }

    /// `1000000` -> `1,000,000`: limits are read by people comparing two large numbers.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }
}

/// Byte counts for people: `5 MiB`, `31.2 MiB`, `812 bytes`; powers of 1024, like the
/// configuration's `5M`.
public enum ByteSize {
    public static func describe(_ bytes: Int) -> String {
        let units: [(Int, String)] = [(CampaignLimits.mebibyte * 1024, "GiB"), (CampaignLimits.mebibyte, "MiB"), (CampaignLimits.kibibyte, "KiB")]
        for (size, unit) in units where bytes >= size {
            if bytes % size == 0 { return "\(bytes / size) \(unit)" }
            let tenths = (bytes * 10 + size / 2) / size
            return "\(tenths / 10).\(tenths % 10) \(unit)"
        }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }

    /// Two sizes that must not look equal when they differ (`5.0 MiB` against `5 MiB` would):
    /// exact byte counts are added when rounding hides the difference.
    static func pair(_ actual: Int, _ maximum: Int) -> (String, String) {
        let (a, m) = (describe(actual), describe(maximum))
        let rounded = { (text: String) in text.replacingOccurrences(of: ".0 ", with: " ") }
        guard rounded(a) == rounded(m), actual != maximum else { return (a, m) }
        return ("\(a) (\(CampaignLimitViolation.grouped(actual)) bytes)", "\(m) (\(CampaignLimitViolation.grouped(maximum)) bytes)")
    }
}
