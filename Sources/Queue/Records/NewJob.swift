import Foundation

/// What the daemon knows about a job when a submission starts.
public struct NewJob: Hashable, Sendable {
    /// A client-chosen key: submitting twice with the same key returns the first job (a replay)
    /// instead of sending the campaign twice, e.g. when mailctl retries after a lost connection.
    public var idempotencyKey: String?
    public var name: String
    public var account: String
    /// Further accounts that share the job with `account` (failover), in the campaign's order.
    public var additionalAccounts: [String]
    public var ownerUID: uid_t
    public var ownerGID: gid_t
    /// The campaign spec (JSON) as bytes; stored and returned, never interpreted here.
    public var spec: Data
    /// Not before this instant; nil or in the past means as soon as committed.
    public var sendAt: Date?

    public init(idempotencyKey: String? = nil, name: String, account: String, ownerUID: uid_t, ownerGID: gid_t,
                spec: Data, sendAt: Date? = nil, additionalAccounts: [String] = []) {
        self.idempotencyKey = idempotencyKey
        self.name = name
        self.account = account
        self.additionalAccounts = additionalAccounts
        self.ownerUID = ownerUID
        self.ownerGID = ownerGID
        self.spec = spec
        self.sendAt = sendAt
    }
}
