import Foundation
import SMTP
import SMTPServer
import Testing

/// The configured password must never reach the database, the log, IPC answers or error
/// texts, in any encoding a protocol exchange might leave behind (plain, base64 of AUTH
/// PLAIN and LOGIN), after a run with bounces, deferrals and a wrong password.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SecretLeakTests {
    static let password = "Sup3r-Secret-Pa55word!"
    static let wrongPassword = "Wr0ng-Secret-Value-42"

    @Test func noSecretInDatabaseLogOrAnswers() async throws {
        let script = ServerScript([
            ScriptRule(on: .rcpt, recipient: "user3@example.com", action: .reply(550, "5.1.1 User unknown")),
            ScriptRule(on: .rcpt, recipient: "user4@example.com", occurrences: .first(1), action: .reply(451, "4.7.1 Greylisted")),
        ])
        let relay = SMTPServerConfiguration(authentication: ServerAuthentication(mechanisms: [.plain, .login], passwords: ["sender@example.org": Self.password]),
                                            script: script, recordLimit: nil)
        let harness = try await DaemonHarness(relay: relay, concurrency: 2)
        defer { Task { await harness.stop() } }
        let secretFile = harness.directory.appendingPathComponent("relay.secret")
        try (Self.password + "\n").write(to: secretFile, atomically: true, encoding: .utf8)
        let wrongFile = harness.directory.appendingPathComponent("wrong.secret")
        try (Self.wrongPassword + "\n").write(to: wrongFile, atomically: true, encoding: .utf8)
        let accounts = """

        username = sender@example.org
        password_file = \(secretFile.path)
        allow_plaintext_auth = yes

        [account wrong]
        host = 127.0.0.1
        port = \(harness.relayPort)
        tls = none
        username = sender@example.org
        password_file = \(wrongFile.path)
        allow_plaintext_auth = yes
        auth = login
        """
        try (String(contentsOfFile: harness.configurationPath, encoding: .utf8) + accounts)
            .write(toFile: harness.configurationPath, atomically: true, encoding: .utf8)
        try await harness.startDaemon()

        var outputs: [String] = []
        let campaign = try harness.writeCampaign(count: 6)
        let good = try await harness.mailctl(["submit", campaign, "--watch"])
        outputs += [good.standardOutput, good.standardError]
        #expect(good.status == 2, "one bounce expected: \(good.standardOutput)\(good.standardError)")

        let wrongCampaign = harness.directory.appendingPathComponent("wrong.json").path
        try String(contentsOfFile: campaign, encoding: .utf8).replacingOccurrences(of: #""account":"test""#, with: #""account":"wrong""#)
            .write(toFile: wrongCampaign, atomically: true, encoding: .utf8)
        let wrong = try await harness.mailctl(["submit", wrongCampaign])
        outputs += [wrong.standardOutput, wrong.standardError]
        let wrongJob = wrong.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        // The wrong password pauses the job on an account problem.
        var paused = ""
        for _ in 0..<100 where !paused.contains("paused") {
            try await Task.sleep(for: .milliseconds(100))
            paused = try await harness.mailctl(["status", wrongJob]).standardOutput
        }
        #expect(paused.contains("paused"), "\(paused)")
        outputs.append(paused)
        for arguments in [["status", wrongJob, "--json"], ["report", wrongJob, "--format", "json"], ["report", "1"], ["list", "--all", "--json"],
                          ["verify", "test"], ["verify", "wrong", "--json"], ["suppress", "list"]] {
            let answer = try await harness.mailctl(arguments)
            outputs += [answer.standardOutput, answer.standardError]
        }
        #expect(outputs.joined().contains("535"), "the wrong password was never reported")

        await harness.kill(signal: SIGTERM)
        var haystacks: [(String, Data)] = outputs.enumerated().map { ("mailctl output \($0.offset)", Data($0.element.utf8)) }
        haystacks.append(("maild log", Data(harness.daemonLog.utf8)))
        for suffix in ["", "-wal", "-shm"] {
            if let data = FileManager.default.contents(atPath: harness.databasePath + suffix) { haystacks.append(("maild.db\(suffix)", data)) }
        }
        #expect(haystacks.contains { $0.0 == "maild.db" })
        for secret in [Self.password, Self.wrongPassword] {
            let forms = [secret, Data(secret.utf8).base64EncodedString(), Data("\u{0}sender@example.org\u{0}\(secret)".utf8).base64EncodedString()]
            for form in forms {
                for (name, data) in haystacks {
                    #expect(data.range(of: Data(form.utf8)) == nil, "\(name) contains a form of a secret: \(form)")
                }
            }
        }
    }
}
