/// What a throttle applies to: the sending account (every message through one relay
/// login) or a destination provider (every message to its domains, whichever account).
///
/// Provider scope is shared across accounts on purpose: Gmail judges the sending domain's
/// reputation, whichever relay the message came through.
public enum ThrottleScope: Hashable, Sendable, CustomStringConvertible {
    case account(String)
    case provider(String)

    public var description: String {
        switch self {
        case .account(let name): return "account \(name)"
        case .provider(let name): return "provider \(name)"
        }
    }
}
