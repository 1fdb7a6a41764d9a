import DKIM
import Delivery
import Foundation
import SMTP
import Synchronization

/// The configuration with everything derived from it that is expensive or can fail: TLS
/// contexts, the classifier with the operator's rules, the unsubscribe key. Built whole or
/// not at all, so a bad reload leaves the running settings untouched.
public struct RuntimeSettings: Sendable {
    public var configuration: DaemonConfiguration
    public var classifier: ReplyClassifier
    public var tlsContexts: [String: TLSContext]
    public var unsubscribeSecret: [UInt8]
    public var retryPolicy: RetryPolicy
    public var providers: ProviderTable
    public var accountLimits: [String: ThrottleLimits]
    /// DKIM signers by account; keys are parsed once here, never per message.
    public var dkimSigners: [String: DKIMSigner]
    /// Cool-downs after throttle replies, and the AIMD rate that follows them.
    public var suspensionPolicy: SuspensionPolicy = .standard
    public var adaptivePolicy: AdaptiveRatePolicy = .standard
    /// The operator's `[suspension NAME]` rules, tried before the provider table's.
    public var suspensionRules: [SuspensionRule] = []

    public static func make(_ configuration: DaemonConfiguration) throws(ConfigurationError) -> RuntimeSettings {
        var problems: [ConfigurationProblem] = []
        let path = configuration.path
        var classifier = ReplyClassifier.standard
        if let rulesFile = configuration.delivery.classificationRulesFile {
            do {
                let text = try readText(rulesFile)
                let rules = try ClassificationRuleSet(parsing: text, fileName: rulesFile)
                classifier = try ReplyClassifier(overrides: [rules])
            } catch {
                problems.append(ConfigurationProblem(file: path, line: nil, "classification_rules \(rulesFile): \(error)"))
            }
        }
        var contexts: [String: TLSContext] = [:]
        var limits: [String: ThrottleLimits] = [:]
        var signers: [String: DKIMSigner] = [:]
        for (name, account) in configuration.accounts {
            if let dkim = account.dkim {
                do {
                    let key = try DKIMSigningKey(pemFile: dkim.keyFile)
                    signers[name] = try DKIMSigner(domain: dkim.domain, selector: dkim.selector, key: key)
                } catch {
                    problems.append(ConfigurationProblem(file: path, line: nil, "[account \(name)] DKIM: \(error)"))
                }
            }
            if account.tlsMode != .none {
                do {
                    contexts[name] = try TLSContext.client(caFile: account.caFile, verifiesPeer: !account.insecure)
                } catch {
                    problems.append(ConfigurationProblem(file: path, line: nil, "[account \(name)]: \(error)"))
                }
            }
            do {
                limits[name] = account.limits.isEmpty && !account.rateLimits.isEmpty
                    ? try ThrottleLimits(rates: account.rateLimits, maxConnections: account.concurrency, maxMessagesPerConnection: account.messagesPerConnection)
                    : ThrottleLimits(additional: account.limits, maxConnections: account.concurrency, maxMessagesPerConnection: account.messagesPerConnection)
            } catch {
                problems.append(ConfigurationProblem(file: path, line: nil, "[account \(name)] rate: \(error)"))
            }
        }
        var secret: [UInt8] = []
        do {
            secret = try UnsubscribeKey.load(configuration)
        } catch {
            problems.append(ConfigurationProblem(file: path, line: nil, "unsubscribe key: \(error)"))
        }
        var providers = ProviderTable()
        do {
            providers = try ProviderTable.builtIn()
        } catch {
            problems.append(ConfigurationProblem(file: path, line: nil, "built-in provider table: \(error)"))
        }
        let delivery = configuration.delivery
        if let tableFile = delivery.providerTableFile {
            do {
                try providers.apply(try readText(tableFile), file: tableFile)
            } catch {
                problems.append(ConfigurationProblem(file: path, line: nil, "provider_table \(tableFile): \(error)"))
            }
        }
        for provider in configuration.providers { provider.apply(to: &providers) }
        let suspension = SuspensionPolicy(
            initial: delivery.throttleCooldown ?? DeliveryDefaults.suspensionInitial,
            cap: delivery.throttleCooldownCap ?? max(DeliveryDefaults.suspensionCap, delivery.throttleCooldown ?? .zero))
        let adaptive = AdaptiveRatePolicy(
            recoveryStep: delivery.rateRecoveryStepPercent.map { $0 / 100 } ?? DeliveryDefaults.adaptiveRecoveryStep,
            recoveryWindow: delivery.rateRecoveryWindow ?? DeliveryDefaults.adaptiveRecoveryWindow)
        var retry = RetryPolicy.standard
        do {
            retry = try RetryPolicy(
                base: delivery.retryBase ?? DeliveryDefaults.retryBase, factor: delivery.retryFactor ?? DeliveryDefaults.retryFactor,
                cap: delivery.retryCap ?? DeliveryDefaults.retryCap,
                minimumDelay: min(DeliveryDefaults.retryMinimumDelay, delivery.retryBase ?? DeliveryDefaults.retryMinimumDelay),
                maxAttempts: delivery.maximumAttempts ?? DeliveryDefaults.retryMaxAttempts,
                maxAge: delivery.maximumAge ?? DeliveryDefaults.retryMaxAge)
        } catch {
            problems.append(ConfigurationProblem(file: path, line: nil, "[delivery]: \(error)"))
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return RuntimeSettings(configuration: configuration, classifier: classifier, tlsContexts: contexts, unsubscribeSecret: secret,
                               retryPolicy: retry, providers: providers, accountLimits: limits, dkimSigners: signers,
                               suspensionPolicy: suspension, adaptivePolicy: adaptive, suspensionRules: configuration.suspensionRules)
    }
}

/// The settings in force; replaced whole on SIGHUP.
public final class SettingsHolder: Sendable {
    private let state: Mutex<RuntimeSettings>

    public init(_ settings: RuntimeSettings) { state = Mutex(settings) }

    public var current: RuntimeSettings { state.withLock { $0 } }

    public func replace(with settings: RuntimeSettings) { state.withLock { $0 = settings } }
}

/// The secret behind unsubscribe tokens: from the configured file, or created once beside the
/// database so tokens stay valid across restarts.
enum UnsubscribeKey {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func load(_ configuration: DaemonConfiguration) throws -> [UInt8] {
        let path = configuration.unsubscribeKeyFile
            ?? URL(fileURLWithPath: configuration.databasePath).deletingLastPathComponent().appendingPathComponent("unsubscribe.key").path
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count >= 16 else { throw Failure(description: "\(path) holds \(data.count) bytes; use at least 32 random bytes") }
            return Array(data)
        }
        guard configuration.unsubscribeKeyFile == nil else { throw Failure(description: "\(path) cannot be read") }
        guard let random = FileHandle(forReadingAtPath: "/dev/urandom"), let data = try? random.read(upToCount: 32), data.count == 32 else {
            throw Failure(description: "no randomness for a new key (/dev/urandom)")
        }
        let key = Array(data)
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(key), attributes: [.posixPermissions: 0o600]) else {
            throw Failure(description: "cannot create \(path)")
        }
        return key
    }
}

/// A file the configuration names, read with a reason an operator can act on instead of
/// Foundation's "Error Domain=NSCocoaErrorDomain Code=260".
struct UnreadableFile: Error, CustomStringConvertible {
    var description: String
}

func readText(_ path: String) throws -> String {
    guard FileManager.default.fileExists(atPath: path) else { throw UnreadableFile(description: "the file does not exist") }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw UnreadableFile(description: "the file cannot be read by maild (permissions?)")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw UnreadableFile(description: "the file is not UTF-8 text") }
    return text
}
