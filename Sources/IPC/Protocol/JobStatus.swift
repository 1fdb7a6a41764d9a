import Foundation

/// A job as operators see it in `mailctl status`, `list` and `watch`.
public struct JobStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, Hashable {
        case queued, scheduled, running, paused, completed, cancelled
    }

    public var jobID: Int64
    public var name: String
    public var account: String
    public var ownerUID: UInt32
    public var state: State
    public var pauseReason: String?
    public var counts: RecipientCounts
    public var duplicates: Int
    public var createdAt: Date
    public var sendAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Every account the job sends through, in the campaign's order, when it names more than
    /// one (failover; `account` is the first); nil for a job with one account.
    public var accounts: [String]?
    /// The accounts taken out of this job and why (credentials refused...), until `mailctl
    /// resume`; nil when none. A job with other accounts left keeps running through them.
    public var accountPauses: [AccountPause]?

    public init(jobID: Int64, name: String, account: String, ownerUID: UInt32, state: State, pauseReason: String?,
                counts: RecipientCounts, duplicates: Int, createdAt: Date, sendAt: Date?, startedAt: Date?, finishedAt: Date?,
                accounts: [String]? = nil, accountPauses: [AccountPause]? = nil) {
        self.jobID = jobID
        self.name = name
        self.account = account
        self.ownerUID = ownerUID
        self.state = state
        self.pauseReason = pauseReason
        self.counts = counts
        self.duplicates = duplicates
        self.createdAt = createdAt
        self.sendAt = sendAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.accounts = accounts
        self.accountPauses = accountPauses
    }

    /// Whether the job can still change by itself.
    public var isFinished: Bool { state == .completed || state == .cancelled }

    enum CodingKeys: String, CodingKey {
        case jobID = "jobId", name, account, ownerUID = "ownerUid", state, pauseReason, counts, duplicates
        case createdAt, sendAt, startedAt, finishedAt, accounts, accountPauses
    }
}

/// An account a job no longer sends through, and why.
public struct AccountPause: Codable, Sendable, Equatable {
    public var account: String
    public var reason: String

    public init(account: String, reason: String) {
        self.account = account
        self.reason = reason
    }
}

public struct RecipientCounts: Codable, Sendable, Equatable {
    public var total: Int
    public var pending: Int
    public var sending: Int
    public var sent: Int
    public var deferred: Int
    public var failed: Int
    public var skipped: Int
    public var cancelled: Int

    public init(total: Int = 0, pending: Int = 0, sending: Int = 0, sent: Int = 0, deferred: Int = 0,
                failed: Int = 0, skipped: Int = 0, cancelled: Int = 0) {
        self.total = total
        self.pending = pending
        self.sending = sending
        self.sent = sent
        self.deferred = deferred
        self.failed = failed
        self.skipped = skipped
        self.cancelled = cancelled
    }

    /// Recipients with no final outcome yet.
    public var remaining: Int { pending + sending + deferred }
    /// Recipients with a final outcome.
    public var done: Int { sent + failed + skipped + cancelled }
}

/// One page of `mailctl report`.
public struct ReportPage: Codable, Sendable, Equatable {
    public var rows: [ReportRow]
    /// Pass as `after_recipient_id` for the next page; nil at the end.
    public var nextAfterRecipientID: Int64?

    public init(rows: [ReportRow], nextAfterRecipientID: Int64?) {
        self.rows = rows
        self.nextAfterRecipientID = nextAfterRecipientID
    }

    enum CodingKeys: String, CodingKey { case rows, nextAfterRecipientID = "nextAfterRecipientId" }
}

/// A recipient's outcome: the state and the last reply that decided it.
public struct ReportRow: Codable, Sendable, Equatable {
    public var recipientID: Int64
    public var address: String
    public var state: String
    public var attempts: Int
    public var lastClass: String?
    public var lastStage: String?
    public var lastCode: Int?
    public var lastEnhancedCode: String?
    public var lastText: String?
    public var updatedAt: Date?
    /// Times maild stopped while the recipient was claimed: its message may have arrived twice
    /// (nil from a maild older than this field).
    public var interruptedSends: Int?

    public init(recipientID: Int64, address: String, state: String, attempts: Int, lastClass: String?, lastStage: String?,
                lastCode: Int?, lastEnhancedCode: String?, lastText: String?, updatedAt: Date?, interruptedSends: Int? = nil) {
        self.recipientID = recipientID
        self.address = address
        self.state = state
        self.attempts = attempts
        self.lastClass = lastClass
        self.lastStage = lastStage
        self.lastCode = lastCode
        self.lastEnhancedCode = lastEnhancedCode
        self.lastText = lastText
        self.updatedAt = updatedAt
        self.interruptedSends = interruptedSends
    }

    enum CodingKeys: String, CodingKey {
        case recipientID = "recipientId", address, state, attempts, lastClass, lastStage, lastCode
        case lastEnhancedCode, lastText, updatedAt, interruptedSends
    }
}
