import Foundation

/// Which mailbox provider a recipient domain belongs to, and each provider's limits and
/// suspension rules.
///
/// The built-in table (`etc/providers.conf`) knows the big consumer providers; operators
/// extend or change it with override files in the same format. Lookups are by normalized
/// domain (case-insensitive, A-labels and U-labels alike). An exact domain beats a wildcard,
/// a longer wildcard beats a shorter one, and among equals the latest definition (an
/// override) wins; a domain nobody lists belongs to `default`.
public struct ProviderTable: Sendable {
    public struct Provider: Sendable, Equatable {
        public var name: String
        public var domains: [DomainPattern]
        public var limits: ThrottleLimits
        public var suspensionRules: [SuspensionRule]

        public init(name: String, domains: [DomainPattern] = [], limits: ThrottleLimits = .unlimited, suspensionRules: [SuspensionRule] = []) {
            self.name = name
            self.domains = domains
            self.limits = limits
            self.suspensionRules = suspensionRules
        }
    }

    /// The provider of every domain no pattern matches.
    public static let defaultProviderName = "default"

    /// Providers in definition order; `default` is always present.
    public private(set) var providers: [Provider]
    /// Every pattern with its provider and the order it was defined in (later wins ties).
    private var entries: [(pattern: DomainPattern, provider: String, order: Int)] = []
    private var nextOrder = 0

    /// An empty table: every domain is `default`.
    public init() {
        providers = [Provider(name: Self.defaultProviderName)]
    }

    /// A table read from `text` (the provider-table format), named `file` in errors.
    public init(parsing text: String, file: String) throws {
        self.init()
        try apply(text, file: file)
    }

    /// The built-in table, from `DefaultProviderTable.text`.
    public static func builtIn() throws -> ProviderTable {
        try ProviderTable(parsing: DefaultProviderTable.text, file: DefaultProviderTable.fileName)
    }

    // MARK: Lookup

    /// The provider of a recipient domain ("Gmail.COM", "xn--bcher-kva.example").
    public func provider(forDomain domain: String) -> String {
        let labels = DomainName.normalize(domain).split(separator: ".", omittingEmptySubsequences: false)
        var best: (rank: (Int, Int, Int), provider: String)?
        for entry in entries where entry.pattern.matches(labels: labels) {
            let rank = (entry.pattern.wildcard == .none ? 1 : 0, entry.pattern.labels.count, entry.order)
            if best == nil || rank > best!.rank { best = (rank, entry.provider) }
        }
        return best?.provider ?? Self.defaultProviderName
    }

    /// The provider of a recipient address: the domain after the last "@".
    public func provider(forAddress address: String) -> String {
        guard let at = address.lastIndex(of: "@") else { return provider(forDomain: address) }
        var domain = String(address[address.index(after: at)...])
        if domain.hasSuffix(">") { domain.removeLast() }
        return provider(forDomain: domain)
    }

    public func provider(named name: String) -> Provider? { providers.first { $0.name == name } }

    /// The provider's limits; unlimited for an unknown name.
    public func limits(forProvider name: String) -> ThrottleLimits { provider(named: name)?.limits ?? .unlimited }

    // MARK: Changes

    /// Defines `name` if it is new; an existing provider keeps its domains and rules.
    public mutating func define(provider name: String, limits: ThrottleLimits? = nil) {
        if let index = providers.firstIndex(where: { $0.name == name }) {
            if let limits { providers[index].limits = limits }
        } else {
            providers.append(Provider(name: name, limits: limits ?? .unlimited))
        }
    }

    /// Adds a domain pattern to `provider` (defining it if needed). The same pattern listed
    /// under another provider moves here.
    public mutating func add(_ pattern: DomainPattern, to provider: String) {
        define(provider: provider)
        for index in providers.indices { providers[index].domains.removeAll { $0 == pattern } }
        entries.removeAll { $0.pattern == pattern }
        if let index = providers.firstIndex(where: { $0.name == provider }) { providers[index].domains.append(pattern) }
        entries.append((pattern, provider, nextOrder))
        nextOrder += 1
    }

    public mutating func addSuspensionRule(_ rule: SuspensionRule, to provider: String) {
        define(provider: provider)
        if let index = providers.firstIndex(where: { $0.name == provider }) { providers[index].suspensionRules.append(rule) }
    }

    /// Applies a provider-table text (an override file) on top of this table: listed
    /// domains are added or moved, `rate` lines replace the provider's rates (all the
    /// provider's `rate` lines in this text together), `connections` and
    /// `messages_per_connection` replace, `suspend` rules are added.
    public mutating func apply(_ text: String, file: String) throws {
        var current: String?
        var ratesSeen: Set<String> = []
        var ruleNames = Set(providers.flatMap { $0.suspensionRules.map(\.name) })
        // "\r\n" is one Character in Swift: split on it too, or a CRLF file is one long line.
        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = offset + 1
            let trimmed = rawLine.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let keyword = words[0]
            let arguments = Array(words.dropFirst())
            func fail(_ problem: String) -> DeliveryPolicyError { .invalidProviderTable(file: file, line: line, problem: problem) }
            if keyword == "provider" {
                guard arguments.count == 1, let name = arguments.first, Self.isValidName(name) else {
                    throw fail("expected `provider NAME` with a name of letters, digits, '-', '_' and '.'")
                }
                define(provider: name)
                current = name
                continue
            }
            guard let provider = current else { throw fail("\(String(reflecting: keyword)) before the first `provider NAME` line") }
            guard let index = providers.firstIndex(where: { $0.name == provider }) else { throw fail("internal: provider \(provider) vanished") }
            switch keyword {
            case "domains":
                guard !arguments.isEmpty else { throw fail("`domains` needs at least one domain") }
                for text in arguments {
                    guard let pattern = DomainPattern(text) else {
                        throw fail("\(String(reflecting: text)) is not a domain pattern; write gmail.com, hotmail.* or *.example.com")
                    }
                    if provider == Self.defaultProviderName { throw fail("domains cannot be listed under \"default\"; it holds every unlisted domain") }
                    add(pattern, to: provider)
                }
            case "rate":
                guard !arguments.isEmpty else { throw fail("`rate` needs at least one limit such as 30/min") }
                var limits = providers[index].limits
                if !ratesSeen.contains(provider) {
                    limits = ThrottleLimits(maxConnections: limits.maxConnections, maxMessagesPerConnection: limits.maxMessagesPerConnection)
                    ratesSeen.insert(provider)
                }
                for text in arguments {
                    do { limits.additional.append(try RateLimit(operatorInput: text)) } catch let error as DeliveryPolicyError { throw fail(error.description) }
                }
                providers[index].limits = limits
            case "connections", "messages_per_connection":
                guard arguments.count == 1, let value = Int(arguments[0]), value >= 1 else { throw fail("`\(keyword)` needs one whole number of at least 1") }
                if keyword == "connections" { providers[index].limits.maxConnections = value } else { providers[index].limits.maxMessagesPerConnection = value }
            case "suspend":
                guard arguments.count >= 3 else { throw fail("expected `suspend NAME DURATION REGEX`") }
                let name = arguments[0]
                guard Self.isValidName(name) else { throw fail("invalid rule name \(String(reflecting: name)); use letters, digits, '-', '_' and '.'") }
                guard !ruleNames.contains(name) else { throw fail("suspension rule name \(String(reflecting: name)) is already used") }
                guard let duration = Duration(operatorInput: arguments[1]), duration > .zero else {
                    throw fail("\(String(reflecting: arguments[1])) is not a duration; write e.g. 30m, 1h")
                }
                // The expression is the rest of the line, spaces included.
                let expression = Self.rest(of: trimmed, after: 3)
                do {
                    providers[index].suspensionRules.append(try SuspensionRule(name: name, scope: .provider(provider), pattern: expression, duration: duration))
                } catch let error as DeliveryPolicyError { throw fail(error.description) }
                ruleNames.insert(name)
            default:
                throw fail("unknown keyword \(String(reflecting: keyword)); expected provider, domains, rate, connections, messages_per_connection or suspend")
            }
        }
    }

    private static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    /// The line after its first `count` whitespace-separated words.
    private static func rest(of line: String, after count: Int) -> String {
        var remainder = Substring(line)
        for _ in 0..<count {
            remainder = remainder.drop { $0 == " " || $0 == "\t" }
            remainder = remainder.drop { $0 != " " && $0 != "\t" }
        }
        return remainder.trimmingCharacters(in: .whitespaces)
    }
}
