import IPC
import Message

/// The `[limits]` section: how much one campaign may hold (docs/configuration.md#limits).
///
/// ```
/// [limits]
/// max_recipients = 2000000
/// max_attachment_size = 2M
/// ```
///
/// Every key is optional; a missing one keeps its default (`CampaignLimits.standard`).
enum LimitsConfiguration {
    static let knownKeys = CampaignLimitViolation.Limit.allCases.map(\.rawValue)

    static func read(_ reader: inout SectionReader) -> CampaignLimits {
        var limits = CampaignLimits.standard
        if let value = reader.integer(CampaignLimitViolation.Limit.recipients.rawValue, range: 1...100_000_000) {
            limits.maximumRecipients = value
        }
        if let value = reader.integer(CampaignLimitViolation.Limit.attachments.rawValue, range: 0...1000) {
            limits.maximumAttachments = value
        }
        let frame = IPCLimits.defaultMaximumFrameSize
        if let value = reader.byteSize(CampaignLimitViolation.Limit.attachmentSize.rawValue, range: 0...frame) {
            limits.maximumAttachmentSize = value
        }
        if let value = reader.byteSize(CampaignLimitViolation.Limit.totalAttachmentSize.rawValue, range: 0...frame) {
            limits.maximumTotalAttachmentSize = value
        }
        if let value = reader.byteSize(CampaignLimitViolation.Limit.templateSize.rawValue, range: 1...frame) {
            limits.maximumTemplateSize = value
        }
        if limits.maximumAttachmentSize > limits.maximumTotalAttachmentSize {
            reader.problem(CampaignLimitViolation.Limit.attachmentSize.rawValue,
                           "\(ByteSize.describe(limits.maximumAttachmentSize)) is more than max_total_attachment_size "
                           + "(\(ByteSize.describe(limits.maximumTotalAttachmentSize))), so it could never be reached")
        }
        let estimate = largestSpecFrame(limits)
        if estimate > frame {
            let key = reader.string(CampaignLimitViolation.Limit.totalAttachmentSize.rawValue) != nil
                ? CampaignLimitViolation.Limit.totalAttachmentSize.rawValue : CampaignLimitViolation.Limit.templateSize.rawValue
            reader.problem(key, "a campaign at these limits would need an IPC frame of about \(ByteSize.describe(estimate)), more than the "
                           + "\(ByteSize.describe(frame)) a frame may have (the spec crosses the socket in one frame, attachments base64 twice); "
                           + "lower max_total_attachment_size or max_template_size")
        }
        return limits
    }

    /// About the largest submit_begin frame a campaign at `limits` needs: the spec is JSON with
    /// attachments in base64 (4/3) and three templates, plus names and headers (64 KiB is
    /// generous), and the spec itself travels base64 in the frame (4/3 again). An estimate:
    /// templates full of characters JSON must escape take more, but no real one is.
    static func largestSpecFrame(_ limits: CampaignLimits) -> Int {
        let spec = limits.maximumTotalAttachmentSize / 3 * 4 + 3 * limits.maximumTemplateSize + 64 * 1024
        return spec / 3 * 4 + 1024
    }
}
