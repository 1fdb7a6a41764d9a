/// The limits of one throttle scope: a sending account (the relay) or a destination
/// provider. Every limit set applies at once and the smallest wins, as in KumoMTA where a
/// daily cap is just another throttle beside the per-minute rate.
public struct ThrottleLimits: Hashable, Sendable {
    public var perSecond: Int?
    public var perMinute: Int?
    public var perHour: Int?
    public var perDay: Int?
    /// Any other windows ("1/8m", "500/10min"), on top of the four above.
    public var additional: [RateLimit]
    /// SMTP connections open at once. At account scope it bounds the account's sessions; at
    /// provider scope, the sessions that carry that provider's recipients at once, across
    /// accounts (a worker holds one of them while it sends to the provider).
    public var maxConnections: Int?
    /// Messages sent over one connection before it is closed and a new one opened (Yahoo
    /// closes its MX connections after 20, SendGrid allows 5,000 per connection).
    public var maxMessagesPerConnection: Int?

    public init(perSecond: Int? = nil, perMinute: Int? = nil, perHour: Int? = nil, perDay: Int? = nil,
                additional: [RateLimit] = [], maxConnections: Int? = nil, maxMessagesPerConnection: Int? = nil) {
        self.perSecond = perSecond
        self.perMinute = perMinute
        self.perHour = perHour
        self.perDay = perDay
        self.additional = additional
        self.maxConnections = maxConnections
        self.maxMessagesPerConnection = maxMessagesPerConnection
    }

    /// Limits from the operator's rate strings ("30/min", "2000/day"), as written in the
    /// configuration's `rate` key.
    public init(rates: [String], maxConnections: Int? = nil, maxMessagesPerConnection: Int? = nil) throws {
        self.init(additional: try rates.map { try RateLimit(operatorInput: $0) },
                  maxConnections: maxConnections, maxMessagesPerConnection: maxMessagesPerConnection)
    }

    /// No limit at all: the scope of an account or provider nobody configured.
    public static let unlimited = ThrottleLimits()

    /// Every rate limit, the four named ones first. Counts below 1 are ignored (0 would
    /// mean "never send", which is what pausing is for).
    public var rateLimits: [RateLimit] {
        let named: [(Int?, Duration)] = [(perSecond, .seconds(1)), (perMinute, .seconds(60)), (perHour, .seconds(3600)), (perDay, .seconds(86400))]
        return named.compactMap { count, period in count.flatMap { try? RateLimit(count: $0, per: period) } } + additional
    }

    /// Both sets of limits at once: every rate of each, and the smaller connection limits.
    public func combined(with other: ThrottleLimits) -> ThrottleLimits {
        ThrottleLimits(additional: rateLimits + other.rateLimits,
                       maxConnections: Self.smaller(maxConnections, other.maxConnections),
                       maxMessagesPerConnection: Self.smaller(maxMessagesPerConnection, other.maxMessagesPerConnection))
    }

    /// A required limit and an optional one: the smaller (the smallest wins).
    public static func smallest(_ a: Int, _ b: Int?) -> Int { b.map { min(a, $0) } ?? a }

    static func smaller(_ a: Int?, _ b: Int?) -> Int? {
        switch (a, b) {
        case let (a?, b?): return min(a, b)
        default: return a ?? b
        }
    }
}
