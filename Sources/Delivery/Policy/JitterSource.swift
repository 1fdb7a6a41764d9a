/// Where backoff jitter comes from: a value drawn from a closed range.
///
/// Injected so tests can pin the draw (`.fixed(fraction:)`) or replay a seeded sequence,
/// while the daemon uses the system generator.
public struct JitterSource: Sendable {
    private let draw: @Sendable (ClosedRange<Double>) -> Double

    public init(_ draw: @escaping @Sendable (ClosedRange<Double>) -> Double) {
        self.draw = draw
    }

    /// A value in `range`; out-of-range values from a custom source are clamped.
    public func value(in range: ClosedRange<Double>) -> Double {
        min(max(draw(range), range.lowerBound), range.upperBound)
    }

    /// The system's random number generator.
    public static let system = JitterSource { Double.random(in: $0) }

    /// Always the point `fraction` of the way through the range (0 = lower, 1 = upper).
    public static func fixed(fraction: Double) -> JitterSource {
        JitterSource { $0.lowerBound + ($0.upperBound - $0.lowerBound) * fraction }
    }
}
