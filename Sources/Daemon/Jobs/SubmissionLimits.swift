import IPC
import Message

/// The daemon's word on `[limits]` (docs/configuration.md#limits): maild checks every upload
/// itself, because a client can talk to the socket without mailctl. A refusal is
/// `limit_exceeded` with a text naming the limit, the configured value, the campaign's value
/// and the key that raises it, so whoever reads it knows what to split or whom to ask.
enum SubmissionLimits {
    /// The spec at submit_begin: templates and attachments. Nothing is stored before this
    /// passes, so a refused spec leaves no job behind.
    static func check(_ spec: CampaignSpec, limits: CampaignLimits, configurationPath: String) throws(IPCFailure) {
        let violations = limits.violations(of: spec)
        guard violations.isEmpty else {
            throw IPCFailure(.limitExceeded, "campaign refused: " + describe(violations, configurationPath: configurationPath))
        }
    }

    /// The recipients received so far (this chunk included): over the limit, the caller
    /// discards the staging job, so no partial job remains.
    static func checkRecipients(_ received: Int, jobID: Int64, limits: CampaignLimits, configurationPath: String) throws(IPCFailure) {
        guard let violation = limits.recipientViolation(count: received) else { return }
        throw IPCFailure(.limitExceeded, "upload of job \(jobID) refused and discarded, nothing was kept: "
                         + describe([violation], configurationPath: configurationPath) + "; split the list into several campaigns")
    }

    /// `attachments[2]: 31.2 MiB, larger than the 5 MiB limit for one attachment (max_attachment_size
    /// in [limits] of /etc/maild/maild.conf)`, several joined with "; ".
    static func describe(_ violations: [CampaignLimitViolation], configurationPath: String) -> String {
        violations.map { "\($0) (\($0.configurationKey) in [limits] of \(configurationPath))" }.joined(separator: "; ")
    }
}
