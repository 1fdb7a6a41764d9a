import Daemon
import Delivery
import Foundation
import Testing

/// maild.conf's delivery-policy sections: providers, suspensions, account and throttle knobs,
/// with every problem reported on its line.
struct PolicyConfigurationTests {
    static let account = """
        [account relay]
        host = 127.0.0.1
        tls = none
        """

    private func parse(_ text: String) throws(ConfigurationError) -> DaemonConfiguration {
        try DaemonConfiguration.parse(text, path: "/tmp/policy-test/maild.conf")
    }

    @Test func providerSectionsOverrideTheBuiltInTableAndAddProviders() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = try parse("""
            [daemon]
            database = \(directory.path)/maild.db

            [delivery]
            throttle_cooldown = 30s
            rate_recovery_window = 2m
            rate_recovery_step = 25%

            [provider google]
            per_second = 5
            per_day = 2000
            max_connections = 2
            messages_per_connection = 50

            [provider corporate]
            domains = example-corp.com, *.example-corp.com
            rate = 30/min, 1/8m

            [provider microsoft]
            domains = hotmail.example

            [suspension google-blocked]
            provider = google
            duration = 2h
            text = blocked for abuse

            \(Self.account)
            per_minute = 100
            rate = 2000/day
            """)
        let settings = try RuntimeSettings.make(configuration)
        let google = settings.providers.limits(forProvider: "google")
        #expect(google.rateLimits.map(\.description) == ["5/s", "2000/day"])
        #expect(google.maxConnections == 2 && google.maxMessagesPerConnection == 50)
        #expect(settings.providers.provider(forDomain: "gmail.com") == "google")
        #expect(settings.providers.provider(forDomain: "mail.example-corp.com") == "corporate")
        #expect(settings.providers.limits(forProvider: "corporate").rateLimits.map(\.description) == ["30/min", "1/8m"])
        #expect(settings.providers.provider(forDomain: "hotmail.example") == "microsoft")
        // The built-in rules stay; the operator's come first.
        #expect(settings.suspensionRules.map(\.name) == ["google-blocked"])
        #expect(settings.suspensionRules.first?.scope == .provider("google"))
        #expect(settings.providers.provider(named: "google")?.suspensionRules.map(\.name) == ["gmail-unusual-rate"])
        #expect(settings.accountLimits["relay"]?.rateLimits.map(\.description) == ["2000/day", "100/min"])
        #expect(settings.suspensionPolicy.initial == .seconds(30))
        #expect(settings.adaptivePolicy.recoveryWindow == .seconds(120))
        #expect(settings.adaptivePolicy.recoveryStep == 0.25)
    }

    /// Every problem at once, each with its line, typos with a suggestion.
    @Test func everyProblemIsReportedWithItsLine() {
        let text = """
            [delivery]
            throttle_cooldwn = 30s
            rate_recovery_step = 300%

            [provider google]
            per_secnd = 5
            per_minute = lots
            rate = 5/fortnight
            domains = gmail..com

            [provder yahoo]

            [provider]

            [suspension gmail]
            provider = google
            text = (unclosed

            [provider google]

            \(Self.account)
            rate = 10/s, x/min

            [provider gogle]
            per_second = 5
            """
        let error = #expect(throws: ConfigurationError.self) { try parse(text) }
        let problems = error?.problems.map(\.description) ?? []
        let expected: [(Int, String)] = [
            (2, #"unknown key "throttle_cooldwn" in [delivery] (did you mean "throttle_cooldown"?)"#),
            (3, "rate_recovery_step"),
            (6, #"unknown key "per_secnd" in [provider google] (did you mean "per_second"?)"#),
            (7, "per_minute"),
            (8, "5/fortnight"),
            (9, "gmail..com"),
            (11, "unknown section [provder] (did you mean [provider]?)"),
            (13, "[provider] needs a name"),
            (15, "needs duration"),
            (17, "text"),
            (19, "[provider google] appears twice (first on line 5)"),
            (24, "x/min"),
            (26, "[provider gogle] is not a built-in provider (default, google, microsoft, yahoo, apple) and lists no domains, so no recipient belongs to it (did you mean [provider google]?)"),
        ]
        for (line, fragment) in expected {
            #expect(problems.contains { $0.hasPrefix("/tmp/policy-test/maild.conf:\(line): ") && $0.contains(fragment) },
                    "line \(line) \(fragment) in:\n\(problems.joined(separator: "\n"))")
        }
    }
}
