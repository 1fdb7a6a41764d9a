import Foundation
import SMTP
import SMTPServer
import Testing
import TestSupport

/// `mailctl verify` as an operator runs it: the real binary against a real server.
@Suite(.timeLimit(.minutes(2)))
struct VerifyCommandTests {
    static let certificates: TestCertificates = {
        do { return try TestCertificates.make() } catch { fatalError("cannot make certificates: \(error)") }
    }()

    static func server(script: ServerScript = .none, implicit: Bool = false) throws -> SMTPTestServer {
        let context = try TLSContext.server(certificateChainFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey)
        return SMTPTestServer(configuration: SMTPServerConfiguration(
            tls: implicit ? .implicit(context) : .startTLS(context), requiresTLS: true,
            authentication: ServerAuthentication(mechanisms: [.plain, .login], passwords: ["alice@example.com": "app password 1"], isRequired: true),
            script: script))
    }

    @Test func everyCheckPassesAndTheTestMessageArrives() async throws {
        let server = try Self.server()
        let port = try await server.start()
        let secret = try Self.certificates.writeSecret("app password 1", name: "good.secret")
        let output = try await MailctlProcess.run([
            "verify", "--host", "localhost", "--port", String(port), "--tls", "starttls", "--ca-file", Self.certificates.caFile,
            "--user", "alice@example.com", "--password-file", secret, "--send-test", "bob@example.org",
        ])
        let messages = try await server.waitForMessages(count: 1)
        try await server.stop()
        #expect(output.status == 0, "\(output.all)")
        #expect(output.standardOutput.contains("TLS          TLSv1.3"))
        #expect(output.standardOutput.contains("CN=localhost [verified]"))
        #expect(output.standardOutput.contains("AUTH         PLAIN accepted for alice@example.com"))
        #expect(output.standardOutput.contains("Test message sent to bob@example.org: 250"))
        #expect(output.standardOutput.contains("OK: every check passed"))
        #expect(!output.all.contains("app password 1"))
        #expect(messages.first?.recipients == ["bob@example.org"])
        #expect(messages.first?.mailFrom == "alice@example.com")
        #expect(messages.first?.text.contains("Subject: maild relay check") == true)
    }

    @Test func wrongPasswordFailsAtAuthWithItsClassAndNoSecret() async throws {
        let server = try Self.server()
        let port = try await server.start()
        let secret = try Self.certificates.writeSecret("not the password", name: "bad.secret")
        let output = try await MailctlProcess.run([
            "verify", "--host", "localhost", "--port", String(port), "--tls", "starttls", "--ca-file", Self.certificates.caFile,
            "--user", "alice@example.com", "--password-file", secret, "--json",
        ])
        try await server.stop()
        #expect(output.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
        let failure = try #require(json["failure"] as? [String: Any])
        #expect(failure["stage"] as? String == "auth")
        #expect(failure["class"] as? String == "account")
        #expect((failure["message"] as? String)?.contains("535") == true)
        #expect(failure["code"] as? Int == 535)
        #expect(failure["enhanced_code"] as? String == "5.7.8")
        #expect(failure["reply_text"] as? String == "Authentication credentials invalid")
        #expect(json["tlsVersion"] as? String != nil)
        #expect(!output.all.contains("not the password"))
        // The text form says AUTH was tried (it used to say "not attempted (no credentials given)").
        let server2 = try Self.server()
        let port2 = try await server2.start()
        let text = try await MailctlProcess.run([
            "verify", "--host", "localhost", "--port", String(port2), "--tls", "starttls", "--ca-file", Self.certificates.caFile,
            "--user", "alice@example.com", "--password-file", secret,
        ])
        try await server2.stop()
        #expect(text.standardOutput.contains("AUTH         did not succeed for alice@example.com (below)"), "\(text.standardOutput)")
        #expect(!text.standardOutput.contains("not attempted"))
    }

    @Test func aServerThatGivesUpRightAfterEHLOIsAFailureNotOK() async throws {
        let server = SMTPTestServer(configuration: SMTPServerConfiguration(script: ServerScript([
            ScriptRule(on: .ehlo, action: ServerAction.raw("250-mx.example\r\n250 PIPELINING\r\n421 4.3.2 shutting down\r\n").closing()),
        ])))
        let port = try await server.start()
        let output = try await MailctlProcess.run(["verify", "--host", "127.0.0.1", "--port", String(port), "--tls", "none", "--timeout", "5s"])
        try await server.stop()
        #expect(output.status == 1, "\(output.all)")
        #expect(output.standardOutput.contains("421 4.3.2 shutting down"), "\(output.standardOutput)")
        #expect(!output.standardOutput.contains("OK: every check passed"))
    }

    @Test func startTLSAgainstAnImplicitTLSPortTimesOutWithAHint() async throws {
        let server = try Self.server(implicit: true)
        let port = try await server.start()
        let output = try await MailctlProcess.run([
            "verify", "--host", "127.0.0.1", "--port", String(port), "--tls", "starttls", "--timeout", "1s",
        ])
        try await server.stop()
        #expect(output.status == 1)
        #expect(output.standardOutput.contains("FAILED at greeting"))
        #expect(output.standardOutput.contains("implicit"))
        #expect(output.standardOutput.contains("class      transient"))
    }

    @Test func untrustedCertificateFailsWithTheCAHint() async throws {
        let server = try Self.server(implicit: true)
        let port = try await server.start()
        let output = try await MailctlProcess.run(["verify", "--host", "localhost", "--port", String(port), "--tls", "implicit"])
        try await server.stop()
        #expect(output.status == 1)
        #expect(output.standardOutput.contains("FAILED at tls"))
        #expect(output.standardOutput.contains("CA file"))
    }

    @Test func badArgumentsSayWhatIsWrong() async throws {
        let missingFile = try await MailctlProcess.run(["verify", "--host", "h", "--user", "u", "--password-file", "/nonexistent/secret"])
        #expect(missingFile.status != 0)
        #expect(missingFile.standardError.contains("--password-file: cannot read /nonexistent/secret"))
        let badTimeout = try await MailctlProcess.run(["verify", "--host", "h", "--timeout", "soon"])
        #expect(badTimeout.standardError.contains("--timeout"))
        let badMode = try await MailctlProcess.run(["verify", "--host", "h", "--tls", "ssl"])
        #expect(badMode.status != 0)
        #expect(badMode.standardError.contains("--tls"))
        let badPort = try await MailctlProcess.run(["verify", "--host", "h", "--port", "70000"])
        #expect(badPort.status != 0 && badPort.standardError.contains("--port 70000: a TCP port is 1 to 65535"), "\(badPort.all)")
        let zeroTimeout = try await MailctlProcess.run(["verify", "--host", "h", "--timeout", "0s"])
        #expect(zeroTimeout.status != 0 && zeroTimeout.standardError.contains("--timeout 0s: give a wait above zero"), "\(zeroTimeout.all)")
    }
}
