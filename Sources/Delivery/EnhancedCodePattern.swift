import SMTP

/// An RFC 3463 enhanced code as rules write it: `5.7.8`, `5.7.*`, `4.*`, or `none`.
///
/// Providers put their precise meaning in the enhanced code (Gmail's 5.4.5 daily quota,
/// Microsoft's 5.7.139), so most rules key on it; prefixes catch a whole subject (5.1.x is
/// always about an address). `none` matches replies without one, because an old or terse
/// server's `550 mailbox unavailable` needs its own fallback.
public enum EnhancedCodePattern: Hashable, Sendable, CustomStringConvertible {
    /// The reply has no enhanced code (written `none`).
    case absent
    /// A class and optionally subject and detail; nil parts are wildcards.
    case code(statusClass: Int, subject: Int?, detail: Int?)

    /// Parses `5.7.8`, `5.7.*`, `5.*`, `5.*.*` and `none`; nil otherwise. A wildcard may only
    /// be followed by wildcards (`5.*.1` says nothing useful), and `5.7` must be written
    /// `5.7.*` so that a forgotten detail is not silently a prefix.
    public init?(_ text: String) {
        if text.lowercased() == "none" {
            self = .absent
            return
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts[0].count == 1, let statusClass = Int(parts[0]),
              [2, 4, 5].contains(statusClass) else { return nil }
        var numbers: [Int?] = []
        var sawWildcard = false
        for part in parts.dropFirst() {
            if part == "*" {
                sawWildcard = true
                numbers.append(nil)
            } else if !sawWildcard, (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(part) {
                numbers.append(value)
            } else {
                return nil
            }
        }
        if parts.count == 2, !sawWildcard { return nil }
        let subject = numbers[0]
        let detail = numbers.count > 1 ? numbers[1] : nil
        self = .code(statusClass: statusClass, subject: subject, detail: detail)
    }

    public func matches(_ enhanced: EnhancedStatusCode?) -> Bool {
        switch self {
        case .absent:
            return enhanced == nil
        case .code(let statusClass, let subject, let detail):
            guard let enhanced else { return false }
            return enhanced.statusClass == statusClass
                && subject.map { $0 == enhanced.subject } ?? true
                && detail.map { $0 == enhanced.detail } ?? true
        }
    }

    public var description: String {
        switch self {
        case .absent:
            return "none"
        case .code(let statusClass, let subject, let detail):
            return "\(statusClass).\(subject.map(String.init) ?? "*").\(detail.map(String.init) ?? "*")"
        }
    }
}
