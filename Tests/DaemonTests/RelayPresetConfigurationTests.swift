import Daemon
import Delivery
import Foundation
import SMTP
import Testing

/// `preset = NAME` in an account section: the relay's host, port, TLS mode, mechanism and
/// published limits, each overridden by what the section writes itself.
struct RelayPresetConfigurationTests {
    private func parse(_ text: String, path: String = "/tmp/preset-test/maild.conf") throws(ConfigurationError) -> DaemonConfiguration {
        try DaemonConfiguration.parse(text, path: path)
    }

    @Test func aPresetGivesTheRelayAndItsPublishedLimits() throws {
        let configuration = try parse("""
            [account office]
            preset = microsoft365
            """)
        let account = try #require(configuration.accounts["office"])
        #expect(account.preset == "microsoft365")
        #expect(account.host == "smtp.office365.com")
        #expect(account.port == 587)
        #expect(account.tlsMode == .startTLS)
        #expect(account.rateLimits == ["30/min", "10000/day"])
        let settings = try RuntimeSettings.make(configuration)
        #expect(settings.accountLimits["office"]?.rateLimits.map(\.description) == ["30/min", "10000/day"])
    }

    @Test func everyPresetIsUsableAsWritten() throws {
        for preset in RelayPreset.all {
            let configuration = try parse("[account a]\npreset = \(preset.name)\n")
            let account = try #require(configuration.accounts["a"])
            #expect(account.host == preset.host, "\(preset.name)")
            #expect(account.port == preset.port, "\(preset.name)")
            #expect(account.tlsMode == preset.tlsMode, "\(preset.name)")
            #expect(account.authMechanism == preset.authMechanism, "\(preset.name)")
            #expect(account.limits == preset.limits.rateLimits, "\(preset.name)")
            #expect(account.messagesPerConnection == preset.limits.maxMessagesPerConnection ?? DeliveryDefaults.messagesPerConnection, "\(preset.name)")
        }
    }

    @Test func keysInTheSectionWinOverThePreset() throws {
        let configuration = try parse("""
            [account ses]
            preset = ses
            host = email-smtp.eu-west-1.amazonaws.com
            rate = 14/s, 50000/day
            messages_per_connection = 500
            auth = login
            """)
        let account = try #require(configuration.accounts["ses"])
        #expect(account.host == "email-smtp.eu-west-1.amazonaws.com")
        #expect(account.port == 587)
        // The section's rates replace the sandbox limits; they are not added to them.
        #expect(account.rateLimits == ["14/s", "50000/day"])
        #expect(account.messagesPerConnection == 500)
        #expect(account.authMechanism == .login)
    }

    /// Yahoo's preset is implicit TLS on 465; choosing STARTTLS instead moves the default
    /// port with it, so the preset cannot leave a STARTTLS client on the implicit-TLS port.
    @Test func aTLSModeWrittenInTheSectionBringsItsOwnDefaultPort() throws {
        let yahoo = try #require(try parse("[account y]\npreset = yahoo\n").accounts["y"])
        #expect(yahoo.tlsMode == .implicit && yahoo.port == 465)
        let starttls = try #require(try parse("[account y]\npreset = yahoo\ntls = starttls\n").accounts["y"])
        #expect(starttls.tlsMode == .startTLS && starttls.port == 587)
    }

    @Test func sendGridKeepsItsSessionsForFiveThousandMessages() throws {
        let account = try #require(try parse("[account s]\npreset = SendGrid\n").accounts["s"])
        #expect(account.preset == "sendgrid")
        #expect(account.messagesPerConnection == 5000)
        #expect(account.limits.isEmpty)
    }

    @Test func anUnknownPresetIsReportedOnItsLineWithASuggestion() {
        let error = #expect(throws: ConfigurationError.self) {
            try parse("""
                [account a]
                preset = gmial
                """)
        }
        let problems = error?.problems.map(\.description) ?? []
        #expect(problems.contains { $0.hasPrefix("/tmp/preset-test/maild.conf:2: ") && $0.contains(#""gmial" is not a relay preset"#) && $0.contains("did you mean gmail?") },
                "\(problems)")
        // The missing host is not reported on top: the preset was meant to give it.
        #expect(!problems.contains { $0.contains("host") }, "\(problems)")
    }

    @Test func withoutAPresetTheHostIsRequired() {
        let error = #expect(throws: ConfigurationError.self) { try parse("[account a]\ntls = none\n") }
        #expect(error?.problems.contains { $0.description.contains("host") } == true)
    }

    /// Every path in maild.conf is relative to the file, the secret files included (under
    /// systemd the working directory is /, where a relative password file is never found).
    @Test func aRelativePasswordFileIsFoundBesideTheConfiguration() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preset-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "s3cret\n".write(to: directory.appendingPathComponent("relay.password"), atomically: true, encoding: .utf8)
        let configuration = try parse("""
            [account relay]
            preset = gmail
            username = me@example.com
            password_file = relay.password
            """, path: directory.appendingPathComponent("maild.conf").path)
        let account = try #require(configuration.accounts["relay"])
        guard case .password(let username, let password) = account.credentials else {
            Issue.record("no password credentials: \(String(describing: account.credentials))")
            return
        }
        #expect(username == "me@example.com" && password == "s3cret")

        let error = #expect(throws: ConfigurationError.self) {
            try parse("[account relay]\npreset = gmail\nusername = me@example.com\npassword_file = missing.password\n",
                      path: directory.appendingPathComponent("maild.conf").path)
        }
        // The error names the file where maild looked for it.
        #expect(error?.problems.contains { $0.description.contains(directory.appendingPathComponent("missing.password").path) } == true,
                "\(error?.problems.map(\.description) ?? [])")
    }

    @Test func aFractionalRecoveryStepIsAccepted() throws {
        let configuration = try parse("[delivery]\nrate_recovery_step = 12.5%\n\n[account a]\npreset = gmail\n")
        let settings = try RuntimeSettings.make(configuration)
        #expect(settings.adaptivePolicy.recoveryStep == 0.125)
    }
}
