/// What a throttle applies to: the sending account (every message through one relay
/// login), a destination provider (every message to its domains, whichever account), or one
/// job (a campaign's own `rate_limits`).
///
/// Provider scope is shared across accounts on purpose: Gmail judges the sending domain's
/// reputation, whichever relay the message came through.
public enum ThrottleScope: Hashable, Sendable, CustomStringConvertible {
    case account(String)
    case provider(String)
    case job(Int64)

    public var description: String {
        switch self {
        case .account(let name): return "account \(name)"
        case .provider(let name): return "provider \(name)"
        case .job(let id): return "job \(id)"
        }
    }

    /// The form the daemon persists: `account:NAME`, `provider:NAME`, `job:ID`.
    public var key: String {
        switch self {
        case .account(let name): return "account:\(name)"
        case .provider(let name): return "provider:\(name)"
        case .job(let id): return "job:\(id)"
        }
    }

    /// The scope of a persisted `key`; nil for a form this build does not know.
    public init?(key: String) {
        guard let colon = key.firstIndex(of: ":") else { return nil }
        let kind = key[..<colon]
        let name = String(key[key.index(after: colon)...])
        guard !name.isEmpty else { return nil }
        switch kind {
        case "account": self = .account(name)
        case "provider": self = .provider(name)
        case "job":
            guard let id = Int64(name) else { return nil }
            self = .job(id)
        default: return nil
        }
    }
}
