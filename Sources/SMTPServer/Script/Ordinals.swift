/// Which occurrences of something a rule applies to, counted from 1: the 3rd message, the
/// first 2 attempts, every connection from the 2nd on.
///
/// A range type of its own because the cases tests need most ("only the 3rd", "the first
/// two", "from the 4th on") read badly as `ClosedRange` and one of them is open-ended.
public struct Ordinals: Hashable, Sendable, CustomStringConvertible {
    public let lowerBound: Int
    /// Nil: no upper bound.
    public let upperBound: Int?

    public init(_ range: ClosedRange<Int>) {
        self.lowerBound = range.lowerBound
        self.upperBound = range.upperBound
    }

    private init(lowerBound: Int, upperBound: Int?) {
        self.lowerBound = lowerBound
        self.upperBound = upperBound
    }

    /// Exactly the `n`th.
    public static func only(_ n: Int) -> Ordinals { Ordinals(lowerBound: n, upperBound: n) }
    /// The 1st to the `n`th: greylisting is "the first 2 attempts fail".
    public static func first(_ n: Int) -> Ordinals { Ordinals(lowerBound: 1, upperBound: n) }
    /// The `n`th and every later one.
    public static func from(_ n: Int) -> Ordinals { Ordinals(lowerBound: n, upperBound: nil) }

    public func contains(_ ordinal: Int) -> Bool {
        ordinal >= lowerBound && upperBound.map { ordinal <= $0 } ?? true
    }

    public var description: String {
        switch upperBound {
        case .some(let upper) where upper == lowerBound: return "#\(lowerBound)"
        case .some(let upper): return "#\(lowerBound)-\(upper)"
        case .none: return "#\(lowerBound)+"
        }
    }
}
