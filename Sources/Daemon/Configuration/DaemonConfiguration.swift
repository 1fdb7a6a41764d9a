import Delivery
import Foundation
import Message
import SMTP

/// Everything maild reads from its configuration file (docs/configuration.md).
public struct DaemonConfiguration: Sendable {
    public var path: String
    public var socketPath: String
    public var socketMode: UInt32
    public var socketGroup: String?
    /// Members may submit jobs and see and control their own.
    public var clientGroup: String?
    /// Members (and root, and maild's own user) see and control every job.
    public var adminGroup: String?
    public var databasePath: String
    /// The right-hand side of Message-IDs.
    public var hostname: String
    /// Key for the per-recipient unsubscribe tokens; generated into the state folder when unset.
    public var unsubscribeKeyFile: String?
    /// IPC connections open at once; more are refused with an error frame.
    public var maximumClients: Int
    public var delivery: DeliverySettings
    public var accounts: [String: AccountConfiguration]
    /// `[provider NAME]` sections, in file order (later ones win, like override files).
    public var providers: [ProviderConfiguration] = []
    /// `[suspension NAME]` sections, checked before the provider table's own rules.
    public var suspensionRules: [SuspensionRule] = []
    /// `[limits]`: what one campaign may hold, checked on every upload.
    public var limits: CampaignLimits = .standard

    /// Retry and safety knobs; defaults documented in docs/delivery.md.
    public struct DeliverySettings: Sendable {
        public var retryBase: Duration?
        public var retryFactor: Double?
        public var retryCap: Duration?
        public var maximumAttempts: Int?
        public var maximumAge: Duration?
        /// Share of bounces and rejects that pauses a job, in percent.
        public var breakerThresholdPercent: Int?
        public var breakerMinimumOutcomes: Int?
        /// Extra classification rules, tried before the built-in ones.
        public var classificationRulesFile: String?
        /// A provider-table override file (the format of etc/providers.conf).
        public var providerTableFile: String?
        /// The first cool-down after a throttle reply, and the most it doubles to.
        public var throttleCooldown: Duration?
        public var throttleCooldownCap: Duration?
        /// AIMD recovery: a clean window of this length restores `rateRecoveryStepPercent`.
        public var rateRecoveryWindow: Duration?
        public var rateRecoveryStepPercent: Double?
    }

    static let daemonKeys = ["socket", "socket_mode", "socket_group", "client_group", "admin_group", "database", "hostname", "unsubscribe_key_file", "max_clients"]
    static let deliveryKeys = ["retry_base", "retry_factor", "retry_cap", "max_attempts", "max_age", "breaker_threshold", "breaker_minimum", "classification_rules",
                              "provider_table", "throttle_cooldown", "throttle_cooldown_cap", "rate_recovery_window", "rate_recovery_step"]
    static let sectionKinds = ["daemon", "delivery", "limits", "account", "provider", "suspension"]

    /// Reads and checks the file; every problem is reported at once.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> DaemonConfiguration {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?) or is not UTF-8" : "does not exist"
            throw ConfigurationError(problems: [ConfigurationProblem(file: path, line: nil, "configuration file \(reason); maild reads the file given with --config (at startup and at every reload)")])
        }
        return try parse(text, path: path, environment: environment)
    }

    public static func parse(_ text: String, path: String, environment: [String: String] = [:]) throws(ConfigurationError) -> DaemonConfiguration {
        var problems: [ConfigurationProblem] = []
        let file = ConfigurationFile.parse(text, path: path, problems: &problems)
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let secrets = SecretReader(credentialsDirectory: environment["CREDENTIALS_DIRECTORY"], baseDirectory: base)
        var configuration = DaemonConfiguration(
            path: path, socketPath: "/run/maild/maild.sock", socketMode: 0o660, socketGroup: nil, clientGroup: nil,
            adminGroup: nil, databasePath: "/var/lib/maild/maild.db", hostname: Self.systemHostname(), unsubscribeKeyFile: nil,
            maximumClients: 1024, delivery: DeliverySettings(), accounts: [:])
        var seenDaemon = false
        var seenDelivery = false
        var seenLimits = false
        for section in file.sections {
            switch section.kind {
            case "daemon":
                if seenDaemon { problems.append(ConfigurationProblem(file: path, line: section.line, "[daemon] appears twice")) }
                seenDaemon = true
                var reader = SectionReader(section, path: path, knownKeys: daemonKeys)
                if let socket = reader.string("socket") {
                    configuration.socketPath = resolve(socket, base: base)
                    if let problem = Self.socketPathProblem(configuration.socketPath) { reader.problem("socket", problem) }
                }
                if let mode = reader.octalMode("socket_mode") { configuration.socketMode = mode }
                configuration.socketGroup = reader.string("socket_group")
                configuration.clientGroup = reader.string("client_group")
                configuration.adminGroup = reader.string("admin_group")
                if let database = reader.string("database") { configuration.databasePath = resolve(database, base: base) }
                if let hostname = reader.string("hostname") {
                    // Checked here, or every message of every job fails to render.
                    do { try MessageComposer.validateHostname(hostname) } catch { reader.problem("hostname", error.description) }
                    configuration.hostname = hostname
                }
                configuration.unsubscribeKeyFile = reader.string("unsubscribe_key_file").map { resolve($0, base: base) }
                if let clients = reader.integer("max_clients", range: 1...65_536) { configuration.maximumClients = clients }
                for group in [configuration.socketGroup, configuration.clientGroup, configuration.adminGroup].compactMap({ $0 }) where getgrnam(group) == nil {
                    reader.problem(group == configuration.adminGroup ? "admin_group" : group == configuration.clientGroup ? "client_group" : "socket_group",
                                   "group \"\(group)\" does not exist on this system")
                }
                problems += reader.problems
            case "delivery":
                if seenDelivery { problems.append(ConfigurationProblem(file: path, line: section.line, "[delivery] appears twice")) }
                seenDelivery = true
                var reader = SectionReader(section, path: path, knownKeys: deliveryKeys)
                var delivery = DeliverySettings()
                delivery.retryBase = reader.duration("retry_base")
                delivery.retryCap = reader.duration("retry_cap")
                delivery.maximumAge = reader.duration("max_age")
                delivery.maximumAttempts = reader.integer("max_attempts", range: 1...1000)
                if let factor = reader.string("retry_factor") {
                    if let value = Double(factor), value >= 1, value <= 10 { delivery.retryFactor = value } else { reader.problem("retry_factor", "\"\(factor)\" is not a number from 1 to 10") }
                }
                if let threshold = reader.string("breaker_threshold") {
                    let digits = threshold.hasSuffix("%") ? String(threshold.dropLast()) : threshold
                    if let value = Int(digits), (1...100).contains(value) { delivery.breakerThresholdPercent = value } else { reader.problem("breaker_threshold", "\"\(threshold)\" is not a percentage such as 20%") }
                }
                delivery.breakerMinimumOutcomes = reader.integer("breaker_minimum", range: 1...1_000_000)
                delivery.classificationRulesFile = reader.string("classification_rules").map { resolve($0, base: base) }
                delivery.providerTableFile = reader.string("provider_table").map { resolve($0, base: base) }
                delivery.throttleCooldown = reader.duration("throttle_cooldown")
                delivery.throttleCooldownCap = reader.duration("throttle_cooldown_cap")
                delivery.rateRecoveryWindow = reader.duration("rate_recovery_window")
                if let step = reader.string("rate_recovery_step") {
                    let digits = step.hasSuffix("%") ? String(step.dropLast()) : step
                    if let value = Double(digits), value.isFinite, value >= 0.1, value <= 100 { delivery.rateRecoveryStepPercent = value } else { reader.problem("rate_recovery_step", "\"\(step)\" is not a percentage from 0.1% to 100% such as 12.5%") }
                }
                for key in ["throttle_cooldown", "throttle_cooldown_cap", "rate_recovery_window"] where reader.string(key) != nil {
                    if let value = Duration(operatorInput: reader.string(key) ?? ""), value <= .zero { reader.problem(key, "must be longer than 0s") }
                }
                configuration.delivery = delivery
                problems += reader.problems
            case "limits":
                if seenLimits { problems.append(ConfigurationProblem(file: path, line: section.line, "[limits] appears twice")) }
                seenLimits = true
                var reader = SectionReader(section, path: path, knownKeys: LimitsConfiguration.knownKeys)
                configuration.limits = LimitsConfiguration.read(&reader)
                problems += reader.problems
            case "account":
                guard let name = section.name, !name.isEmpty else {
                    problems.append(ConfigurationProblem(file: path, line: section.line, "[account] needs a name: [account gmail]"))
                    continue
                }
                if configuration.accounts[name] != nil {
                    problems.append(ConfigurationProblem(file: path, line: section.line, "account \"\(name)\" is defined twice"))
                    continue
                }
                var reader = SectionReader(section, path: path, knownKeys: AccountConfiguration.knownKeys)
                var account = AccountConfiguration.read(&reader, name: name, secrets: secrets)
                if let caFile = account?.caFile { account?.caFile = resolve(caFile, base: base) }
                if let dkim = account?.dkim { account?.dkim?.keyFile = resolve(dkim.keyFile, base: base) }
                if let account { configuration.accounts[name] = account }
                problems += reader.problems
            case "provider":
                guard let name = section.name, !name.isEmpty else {
                    problems.append(ConfigurationProblem(file: path, line: section.line, "[provider] needs a name: [provider google]"))
                    continue
                }
                if let earlier = configuration.providers.first(where: { $0.name == name }) {
                    problems.append(ConfigurationProblem(file: path, line: section.line, "[provider \(name)] appears twice (first on line \(earlier.line))"))
                    continue
                }
                var reader = SectionReader(section, path: path, knownKeys: ProviderConfiguration.knownKeys)
                let provider = ProviderConfiguration.read(&reader, name: name)
                configuration.providers.append(provider)
                problems += reader.problems
                // A new provider without domains would never match a recipient: almost always
                // a misspelt built-in name.
                let builtIn = (try? ProviderTable.builtIn())?.providers.map(\.name) ?? []
                if provider.domains.isEmpty, !builtIn.contains(name), !configuration.providers.dropLast().contains(where: { $0.name == name }) {
                    var message = "[provider \(name)] is not a built-in provider (\(builtIn.joined(separator: ", "))) and lists no domains, so no recipient belongs to it"
                    if let suggestion = SectionReader.closest(to: name, in: builtIn) { message += " (did you mean [provider \(suggestion)]?)" }
                    problems.append(ConfigurationProblem(file: path, line: section.line, message))
                }
            case "suspension":
                guard let name = section.name, !name.isEmpty else {
                    problems.append(ConfigurationProblem(file: path, line: section.line, "[suspension] needs a name: [suspension gmail-blocked]"))
                    continue
                }
                if configuration.suspensionRules.contains(where: { $0.name == name }) {
                    problems.append(ConfigurationProblem(file: path, line: section.line, "[suspension \(name)] appears twice"))
                    continue
                }
                var reader = SectionReader(section, path: path, knownKeys: SuspensionConfiguration.knownKeys)
                if let rule = SuspensionConfiguration.read(&reader, name: name)?.rule { configuration.suspensionRules.append(rule) }
                problems += reader.problems
            default:
                var message = "unknown section [\(section.kind)]"
                if let suggestion = SectionReader.closest(to: section.kind, in: sectionKinds) { message += " (did you mean [\(suggestion)]?)" }
                problems.append(ConfigurationProblem(file: path, line: section.line, message))
            }
        }
        if configuration.accounts.isEmpty {
            problems.append(ConfigurationProblem(file: path, line: nil, "no [account NAME] section: maild needs at least one relay to send through"))
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    /// Relative paths are relative to the configuration file, so a development config can live
    /// beside its data.
    static func resolve(_ path: String, base: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: base).appendingPathComponent(path).standardized.path
    }

    /// A Unix socket's path must fit `sun_path` with its NUL (108 bytes on Linux); a longer
    /// one passed the check and then failed to bind at every start.
    static func socketPathProblem(_ path: String) -> String? {
        let room = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1
        let length = path.utf8.count
        guard length > room else { return nil }
        return "the path \(path) is \(length) bytes, longer than the \(room) a Unix socket path may have; choose a shorter one (such as /run/maild/maild.sock)"
    }

    static func systemHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(cString: buffer)
    }
}
