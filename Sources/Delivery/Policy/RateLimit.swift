import Foundation
import SMTP

/// At most `count` sends in any window of length `per`: "30/min", "2000/day", "1/8m".
///
/// Windows slide: "1/8m" means no two sends less than 8 minutes apart, not one per
/// clock-aligned 8-minute slot (which would allow two sends a second apart across a slot
/// boundary). Providers count the same way (Google: "a rolling 24-hour period").
public struct RateLimit: Hashable, Sendable, CustomStringConvertible {
    public let count: Int
    public let per: Duration

    public init(count: Int, per: Duration) throws {
        let text = "\(count)/\(per.operatorDescription)"
        guard count >= 1 else { throw DeliveryPolicyError.invalidRateLimit(input: text, problem: "the count must be at least 1") }
        guard count <= DeliveryDefaults.rateLimitMaximumCount else {
            throw DeliveryPolicyError.invalidRateLimit(input: text, problem: "the count must be at most \(DeliveryDefaults.rateLimitMaximumCount)")
        }
        guard per.policyMilliseconds >= 1 else { throw DeliveryPolicyError.invalidRateLimit(input: text, problem: "the period must be at least 1ms") }
        self.count = count
        self.per = .milliseconds(per.policyMilliseconds)
    }

    /// Parses the operator's form: COUNT/PERIOD where PERIOD is a unit (`s`, `min`, `hour`,
    /// `day`, `week`, also spelled out) or a duration (`8m`, `90s`, `2h`, `1d`).
    public init(operatorInput: String) throws {
        let text = operatorInput.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw DeliveryPolicyError.invalidRateLimit(input: operatorInput, problem: parts.count < 2 ? "missing \"/\"" : "more than one \"/\"")
        }
        let countText = parts[0].trimmingCharacters(in: .whitespaces)
        guard let count = Int(countText) else {
            throw DeliveryPolicyError.invalidRateLimit(input: operatorInput, problem: "\(String(reflecting: countText)) is not a whole number")
        }
        let periodText = parts[1].trimmingCharacters(in: .whitespaces).lowercased()
        guard let period = Self.period(periodText) else {
            throw DeliveryPolicyError.invalidRateLimit(input: operatorInput, problem: "\(String(reflecting: periodText)) is not a period; use s, min, hour, day, week or a duration such as 8m")
        }
        do {
            try self.init(count: count, per: period)
        } catch DeliveryPolicyError.invalidRateLimit(_, let problem) {
            throw DeliveryPolicyError.invalidRateLimit(input: operatorInput, problem: problem)
        }
    }

    private static func period(_ text: String) -> Duration? {
        switch text {
        case "w", "wk", "week", "weeks": return .seconds(7 * 86400)
        case "": return nil
        default: break
        }
        // A bare unit ("min", "day") is one of it; "m" alone means minutes, as in "5m".
        if text.first?.isNumber == true { return Duration(operatorInput: text) }
        return Duration(operatorInput: "1" + text)
    }

    /// The canonical operator form: "30/min", "1/8m", "2000/day".
    public var description: String {
        let ms = per.policyMilliseconds
        switch ms {
        case 1000: return "\(count)/s"
        case 60_000: return "\(count)/min"
        case 3_600_000: return "\(count)/hour"
        case 86_400_000: return "\(count)/day"
        case 604_800_000: return "\(count)/week"
        default:
            if ms % 86_400_000 == 0 { return "\(count)/\(ms / 86_400_000)d" }
            return "\(count)/\(per.operatorDescription)"
        }
    }
}
