import Delivery

/// An operator's `[provider NAME]` section: limits for a destination provider (a built-in one
/// such as google, or a new one), and domains that belong to it.
///
/// ```
/// [provider google]
/// per_second = 5
/// per_day = 2000
/// max_connections = 2
/// messages_per_connection = 50
///
/// [provider corporate]
/// domains = example-corp.com, *.example-corp.com
/// rate = 30/min, 1/8m
/// ```
///
/// Rates given here replace the provider's built-in rates; the connection limits replace
/// theirs; listed domains move to this provider. Everything is checked while reading, so
/// every problem names its line.
public struct ProviderConfiguration: Sendable, Equatable {
    public var name: String
    public var line: Int
    public var domains: [DomainPattern]
    /// nil when the section sets no rate: the provider keeps its built-in rates.
    public var rateLimits: [RateLimit]?
    public var maxConnections: Int?
    public var messagesPerConnection: Int?

    static let knownKeys = ["domains", "rate", "per_second", "per_minute", "per_hour", "per_day", "max_connections", "messages_per_connection"]

    static func read(_ reader: inout SectionReader, name: String) -> ProviderConfiguration {
        var domains: [DomainPattern] = []
        for text in reader.list("domains") {
            if let pattern = DomainPattern(text) {
                domains.append(pattern)
            } else {
                reader.problem("domains", "\"\(text)\" is not a domain pattern; write gmail.com, hotmail.* or *.example.com")
            }
        }
        if name == ProviderTable.defaultProviderName, !domains.isEmpty {
            reader.problem("domains", "domains cannot be listed under [provider default]: it holds every unlisted domain")
        }
        let rates = reader.rateLimits()
        return ProviderConfiguration(
            name: name, line: reader.section.line, domains: domains, rateLimits: rates,
            maxConnections: reader.integer("max_connections", range: 1...10_000),
            messagesPerConnection: reader.integer("messages_per_connection", range: 1...1_000_000))
    }

    /// Applies the section to `table`: defines the provider if new, moves its domains, and
    /// replaces the limits it sets.
    func apply(to table: inout ProviderTable) {
        var limits = table.provider(named: name)?.limits ?? .unlimited
        if let rateLimits { limits = ThrottleLimits(additional: rateLimits, maxConnections: limits.maxConnections, maxMessagesPerConnection: limits.maxMessagesPerConnection) }
        if let maxConnections { limits.maxConnections = maxConnections }
        if let messagesPerConnection { limits.maxMessagesPerConnection = messagesPerConnection }
        table.define(provider: name, limits: limits)
        for pattern in domains { table.add(pattern, to: name) }
    }
}

/// An operator's `[suspension NAME]` section: a reply text that suspends a provider (or an
/// account, or any scope) for a fixed time, as KumoMTA's automation rules do.
///
/// ```
/// [suspension gmail-blocked]
/// provider = google
/// duration = 2h
/// text = ^421.*(blocked|unusual rate)
/// ```
public struct SuspensionConfiguration: Sendable {
    public var rule: SuspensionRule

    static let knownKeys = ["provider", "account", "duration", "text"]

    static func read(_ reader: inout SectionReader, name: String) -> SuspensionConfiguration? {
        let provider = reader.string("provider")
        let account = reader.string("account")
        if provider != nil, account != nil { reader.problem("account", "set provider or account, not both") }
        let duration = reader.duration("duration")
        if duration == nil, reader.string("duration") == nil {
            reader.problem("duration", "[suspension \(name)] needs duration (examples: 30m, 1h)")
        }
        guard let text = reader.required("text") else { return nil }
        let scope: ThrottleScope? = provider.map { .provider($0) } ?? account.map { .account($0) }
        do {
            // Checked even without a duration, so one pass shows both problems.
            let rule = try SuspensionRule(name: name, scope: scope, pattern: text, duration: duration ?? .seconds(1))
            return duration == nil ? nil : SuspensionConfiguration(rule: rule)
        } catch {
            reader.problem("text", "\(error)")
            return nil
        }
    }
}

extension SectionReader {
    /// A comma-separated list (`domains = gmail.com, googlemail.com`); spaces also separate.
    func list(_ key: String) -> [String] {
        guard let text = string(key) else { return [] }
        return text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// The section's rate limits: `rate = 30/min, 2000/day` and `per_second` ... `per_day`,
    /// all applying together; nil when none is set. Each bad one is a problem on its line.
    mutating func rateLimits() -> [RateLimit]? {
        var limits: [RateLimit] = []
        var any = false
        for text in list("rate") {
            any = true
            do { limits.append(try RateLimit(operatorInput: text)) } catch { problem("rate", "\(error)") }
        }
        for (key, period) in [("per_second", Duration.seconds(1)), ("per_minute", .seconds(60)), ("per_hour", .seconds(3600)), ("per_day", .seconds(86400))] {
            guard let count = integer(key, range: 1...DeliveryDefaults.rateLimitMaximumCount) else { continue }
            any = true
            if let limit = try? RateLimit(count: count, per: period) { limits.append(limit) }
        }
        return any ? limits : nil
    }
}
