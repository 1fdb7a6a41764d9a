import Foundation

/// What maild answers. Each answer travels as `{"id": N, "type": "<type>", "body": {...}}`
/// with the id of the request it answers; a watch's progress comes as `event` frames with the
/// watch request's id.
public enum IPCResponse: Sendable, Equatable {
    case hello(HelloReply)
    case submitStarted(SubmitStarted)
    case chunkAccepted(ChunkAccepted)
    case job(JobStatus)
    case jobs([JobStatus])
    case event(JobStatus)
    case report(ReportPage)
    case verified(VerifyReply)
    case suppressionChanged(SuppressionChange)
    case suppressions(SuppressionPage)
    case unsubscribed(Unsubscribed)
    case error(IPCFailure)

    public var type: String {
        switch self {
        case .hello: return "hello"
        case .submitStarted: return "submit_started"
        case .chunkAccepted: return "chunk_accepted"
        case .job: return "job"
        case .jobs: return "jobs"
        case .event: return "event"
        case .report: return "report"
        case .verified: return "verified"
        case .suppressionChanged: return "suppression_changed"
        case .suppressions: return "suppressions"
        case .unsubscribed: return "unsubscribed"
        case .error: return "error"
        }
    }
}

public struct HelloReply: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    public var server: String
    /// Who the daemon thinks the client is (from SO_PEERCRED), and whether it is an admin.
    public var uid: UInt32
    public var admin: Bool
    /// The daemon's configured `[limits]`, so mailctl refuses a campaign at the same values
    /// maild would (absent from daemons older than this field: mailctl uses the defaults).
    public var limits: WireLimits?
    /// What this daemon can do beyond protocol version 1 (``IPCFeature``), so that mailctl
    /// refuses what an older daemon would silently get wrong; absent from older daemons.
    public var features: [String]?

    public init(protocolVersion: Int = IPCProtocol.version, server: String, uid: UInt32, admin: Bool, limits: WireLimits? = nil,
                features: [String]? = IPCFeature.all) {
        self.protocolVersion = protocolVersion
        self.server = server
        self.uid = uid
        self.admin = admin
        self.limits = limits
        self.features = features
    }

    public func supports(_ feature: String) -> Bool { features?.contains(feature) ?? false }
}

/// Additions to protocol version 1 a daemon announces in hello.
public enum IPCFeature {
    /// Campaigns that name several accounts (`CampaignSpec.additionalAccounts`): a daemon
    /// without it would decode the spec and send through the first account only.
    public static let accounts = "accounts"
    public static let all = [accounts]
}

/// maild.conf's `[limits]`, as hello carries them.
public struct WireLimits: Codable, Sendable, Equatable {
    public var maxRecipients: Int
    public var maxAttachments: Int
    public var maxAttachmentSize: Int
    public var maxTotalAttachmentSize: Int
    public var maxTemplateSize: Int

    public init(maxRecipients: Int, maxAttachments: Int, maxAttachmentSize: Int, maxTotalAttachmentSize: Int, maxTemplateSize: Int) {
        self.maxRecipients = maxRecipients
        self.maxAttachments = maxAttachments
        self.maxAttachmentSize = maxAttachmentSize
        self.maxTotalAttachmentSize = maxTotalAttachmentSize
        self.maxTemplateSize = maxTemplateSize
    }
}

public struct SubmitStarted: Codable, Sendable, Equatable {
    public var jobID: Int64
    /// True when the idempotency key named a job already committed: the client stops and
    /// reports that job instead of uploading again.
    public var replay: Bool

    public init(jobID: Int64, replay: Bool) {
        self.jobID = jobID
        self.replay = replay
    }

    enum CodingKeys: String, CodingKey { case jobID = "jobId", replay }
}

public struct ChunkAccepted: Codable, Sendable, Equatable {
    public var inserted: Int
    public var duplicates: Int

    public init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}

public struct VerifyReply: Codable, Sendable, Equatable {
    public var account: String
    public var ok: Bool
    /// What the check found, in the words of `mailctl verify`.
    public var summary: String

    public init(account: String, ok: Bool, summary: String) {
        self.account = account
        self.ok = ok
        self.summary = summary
    }
}

/// A typed error answer: `code` for programs, `message` for operators.
public struct IPCFailure: Codable, Sendable, Hashable, Error, CustomStringConvertible {
    public enum Code: String, Codable, Sendable, Hashable {
        case badRequest = "bad_request"
        case unknownRequest = "unknown_request"
        case unsupportedVersion = "unsupported_version"
        case notFound = "not_found"
        case permissionDenied = "permission_denied"
        case invalidCampaign = "invalid_campaign"
        case invalidState = "invalid_state"
        case limitExceeded = "limit_exceeded"
        case unavailable = "unavailable"
        case internalError = "internal"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

// MARK: Suppression list answers (docs/protocol.md): `suppression_changed` and `suppressions`.

/// What an add or remove did: `changed` entries added (or removed), `unchanged` already
/// there (or not there).
public struct SuppressionChange: Codable, Sendable, Equatable {
    public var changed: Int
    public var unchanged: Int

    public init(changed: Int, unchanged: Int) {
        self.changed = changed
        self.unchanged = unchanged
    }
}

/// One suppressed address with when and why.
public struct WireSuppression: Codable, Sendable, Equatable {
    public var address: String
    public var reason: String
    /// `bounce` for addresses a hard bounce added; nil for operator entries.
    public var replyClass: String?
    public var jobID: Int64?
    public var at: Date

    public init(address: String, reason: String, replyClass: String?, jobID: Int64?, at: Date) {
        self.address = address
        self.reason = reason
        self.replyClass = replyClass
        self.jobID = jobID
        self.at = at
    }

    enum CodingKeys: String, CodingKey { case address, reason, replyClass, jobID = "jobId", at }
}

public struct SuppressionPage: Codable, Sendable, Equatable {
    public var entries: [WireSuppression]
    /// Pass as `after_address` for the next page; nil at the end.
    public var nextAfterAddress: String?

    public init(entries: [WireSuppression], nextAfterAddress: String?) {
        self.entries = entries
        self.nextAfterAddress = nextAfterAddress
    }
}

/// An unsubscribe whose token matched: the address is on the suppression list now.
public struct Unsubscribed: Codable, Sendable, Equatable {
    public var address: String
    /// The job whose token it was.
    public var jobID: Int64
    /// True when the address was on the list already (a second click).
    public var alreadySuppressed: Bool

    public init(address: String, jobID: Int64, alreadySuppressed: Bool) {
        self.address = address
        self.jobID = jobID
        self.alreadySuppressed = alreadySuppressed
    }

    enum CodingKeys: String, CodingKey { case address, jobID = "jobId", alreadySuppressed }
}
