import Foundation

/// What mailctl asks of maild. Each request travels as
/// `{"id": N, "type": "<type>", "body": {...}}` (docs/protocol.md).
public enum IPCRequest: Sendable, Equatable {
    /// First message of every connection.
    case hello(Hello)
    /// Opens a submission; recipients follow in chunks; nothing is visible until the commit.
    case submitBegin(SubmitBegin)
    case submitChunk(SubmitChunk)
    case submitCommit(SubmitCommit)
    case submitAbort(JobReference)
    case status(JobReference)
    case list(ListJobs)
    /// The daemon answers with `event` frames carrying the job's status until it ends, then a
    /// final `job` answer.
    case watch(JobReference)
    case pause(PauseJob)
    case resume(JobReference)
    case cancel(JobReference)
    case retryFailed(JobReference)
    case report(ReportRequest)
    case verify(VerifyAccount)
    case suppressAdd(SuppressAddresses)
    case suppressRemove(UnsuppressAddresses)
    case suppressList(ListSuppressions)
    /// A recipient's own unsubscribe (their link or mailto), proven by their token.
    case unsubscribe(Unsubscribe)

    /// The wire name of `submit_chunk`, which the server recognises even in a frame it cannot read.
    public static let submitChunkType = "submit_chunk"

    /// The wire name of the request.
    public var type: String {
        switch self {
        case .hello: return "hello"
        case .submitBegin: return "submit_begin"
        case .submitChunk: return Self.submitChunkType
        case .submitCommit: return "submit_commit"
        case .submitAbort: return "submit_abort"
        case .status: return "status"
        case .list: return "list"
        case .watch: return "watch"
        case .pause: return "pause"
        case .resume: return "resume"
        case .cancel: return "cancel"
        case .retryFailed: return "retry_failed"
        case .report: return "report"
        case .verify: return "verify"
        case .suppressAdd: return "suppress_add"
        case .suppressRemove: return "suppress_remove"
        case .suppressList: return "suppress_list"
        case .unsubscribe: return "unsubscribe"
        }
    }
}

public struct Hello: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    public var client: String

    public init(protocolVersion: Int = IPCProtocol.version, client: String) {
        self.protocolVersion = protocolVersion
        self.client = client
    }
}

public struct JobReference: Codable, Sendable, Equatable {
    public var jobID: Int64

    public init(jobID: Int64) { self.jobID = jobID }

    enum CodingKeys: String, CodingKey { case jobID = "jobId" }
}

public struct SubmitBegin: Codable, Sendable, Equatable {
    /// The campaign spec as JSON (Message's `CampaignSpec`): opaque to IPC, decoded and
    /// checked by the daemon.
    public var spec: Data
    /// A retried submit with the same key returns the job already committed.
    public var idempotencyKey: String?

    public init(spec: Data, idempotencyKey: String?) {
        self.spec = spec
        self.idempotencyKey = idempotencyKey
    }
}

/// A recipient as it travels to the daemon.
public struct WireRecipient: Codable, Sendable, Equatable {
    public var address: String
    public var name: String?
    public var variables: [String: String]

    public init(address: String, name: String? = nil, variables: [String: String] = [:]) {
        self.address = address
        self.name = name
        self.variables = variables
    }
}

public struct SubmitChunk: Codable, Sendable, Equatable {
    public var jobID: Int64
    public var recipients: [WireRecipient]

    public init(jobID: Int64, recipients: [WireRecipient]) {
        self.jobID = jobID
        self.recipients = recipients
    }

    enum CodingKeys: String, CodingKey { case jobID = "jobId", recipients }
}

public struct SubmitCommit: Codable, Sendable, Equatable {
    public var jobID: Int64
    /// Duplicates and invalid addresses mailctl already dropped, so the job's counts tell the
    /// whole story.
    public var duplicatesRemovedByClient: Int
    public var skippedByClient: Int

    public init(jobID: Int64, duplicatesRemovedByClient: Int = 0, skippedByClient: Int = 0) {
        self.jobID = jobID
        self.duplicatesRemovedByClient = duplicatesRemovedByClient
        self.skippedByClient = skippedByClient
    }

    enum CodingKeys: String, CodingKey { case jobID = "jobId", duplicatesRemovedByClient, skippedByClient }
}

public struct ListJobs: Codable, Sendable, Equatable {
    public var includeFinished: Bool

    public init(includeFinished: Bool = false) { self.includeFinished = includeFinished }
}

public struct PauseJob: Codable, Sendable, Equatable {
    public var jobID: Int64
    public var reason: String?

    public init(jobID: Int64, reason: String? = nil) {
        self.jobID = jobID
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case jobID = "jobId", reason }
}

public struct ReportRequest: Codable, Sendable, Equatable {
    public var jobID: Int64
    /// Paging: recipients with an id above this one.
    public var afterRecipientID: Int64
    public var limit: Int

    public init(jobID: Int64, afterRecipientID: Int64 = 0, limit: Int = 10_000) {
        self.jobID = jobID
        self.afterRecipientID = afterRecipientID
        self.limit = limit
    }

    enum CodingKeys: String, CodingKey { case jobID = "jobId", afterRecipientID = "afterRecipientId", limit }
}

public struct VerifyAccount: Codable, Sendable, Equatable {
    public var account: String

    public init(account: String) { self.account = account }
}

// MARK: Suppression list (docs/protocol.md): the bodies of `suppress_add`, `suppress_remove`
// and `suppress_list`.

/// Adds addresses to the suppression list (`mailctl suppress add|import`): at most
/// `IPCLimits.maximumRecipientsPerChunk` per request; larger imports send several.
public struct SuppressAddresses: Codable, Sendable, Equatable {
    public var addresses: [String]
    /// Why, kept with each new entry ("unsubscribed", "imported from list.csv").
    public var reason: String

    public init(addresses: [String], reason: String) {
        self.addresses = addresses
        self.reason = reason
    }
}

/// Removes addresses from the suppression list (`mailctl suppress remove`); admins only.
public struct UnsuppressAddresses: Codable, Sendable, Equatable {
    public var addresses: [String]

    public init(addresses: [String]) { self.addresses = addresses }
}

/// One page of the list in address order (`mailctl suppress list`); admins only.
public struct ListSuppressions: Codable, Sendable, Equatable {
    /// Entries after this (normalized) address; empty for the first page.
    public var afterAddress: String
    public var limit: Int

    public init(afterAddress: String = "", limit: Int = 10_000) {
        self.afterAddress = afterAddress
        self.limit = limit
    }
}

/// A recipient's unsubscribe request as their unsubscribe link or mailto carried it: their
/// token and their address (`mailctl unsubscribe`). maild checks the token (HMAC of the job id
/// and the address with its secret) before it suppresses the address.
public struct Unsubscribe: Codable, Sendable, Equatable {
    public var token: String
    public var address: String
    /// The job whose message carried the token; without it maild tries every job that has
    /// the address (slower on a large queue, same answer).
    public var jobID: Int64?

    public init(token: String, address: String, jobID: Int64? = nil) {
        self.token = token
        self.address = address
        self.jobID = jobID
    }

    enum CodingKeys: String, CodingKey { case token, address, jobID = "jobId" }
}
