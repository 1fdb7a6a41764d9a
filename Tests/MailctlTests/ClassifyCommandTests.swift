import Foundation
import Testing
import TestSupport

/// `mailctl classify` as an operator runs it, over the whole shared reply corpus.
@Suite(.timeLimit(.minutes(2)))
struct ClassifyCommandTests {
    struct CorpusLine: Sendable {
        var number: Int
        var stage: String
        var reply: String
        var replyClass: String
    }

    static func corpus() throws -> [CorpusLine] {
        let text = try String(contentsOf: RepositoryPaths.sharedFixtures.appendingPathComponent("smtp-replies.tsv"), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            guard !line.hasPrefix("#"), !line.isEmpty else { return nil }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 3 else { return nil }
            return CorpusLine(number: index + 1, stage: columns[0], reply: columns[1], replyClass: columns[2])
        }
    }

    @Test func everyCorpusLineClassifiesAsWrittenThroughTheCLI() async throws {
        let lines = try Self.corpus()
        #expect(lines.count == 68)
        try await withThrowingTaskGroup(of: (CorpusLine, [String: String]?).self) { group in
            for line in lines {
                group.addTask {
                    let output = try await MailctlProcess.run(["classify", "--json", "--stage", line.stage, line.reply])
                    return (line, try? JSONDecoder().decode([String: String].self, from: Data(output.standardOutput.utf8)))
                }
            }
            for try await (line, object) in group {
                #expect(object?["class"] == line.replyClass, "line \(line.number): \(line.reply) -> \(object ?? [:])")
                #expect(object?["action"] != nil)
                #expect(object?["rule"] != nil)
            }
        }
    }

    @Test func textOutputNamesClassActionAndRule() async throws {
        let output = try await MailctlProcess.run(["classify", "--stage", "mail", "550 5.4.5 Daily user sending limit exceeded."])
        #expect(output.status == 0)
        #expect(output.standardOutput.contains("class   throttle"))
        #expect(output.standardOutput.contains("action  throttle:"))
        #expect(output.standardOutput.contains("rule    "))
    }

    @Test func operatorRulesComeFirst() async throws {
        let certificates = try TestCertificates.make()
        let rules = try certificates.writeSecret("rule our-relay-quirk -> throttle\n    stage rcpt\n    text please slow down", name: "override.rules")
        let output = try await MailctlProcess.run(["classify", "--json", "--rules", rules, "550 5.7.1 please slow down"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
        #expect(object["class"] as? String == "throttle")
        #expect(object["rule"] as? String == "our-relay-quirk")
    }

    @Test func badInputSaysWhatIsWrong() async throws {
        let notAReply = try await MailctlProcess.run(["classify", "hello"])
        #expect(notAReply.status != 0)
        #expect(notAReply.standardError.contains("is not an SMTP reply"))
        let badStage = try await MailctlProcess.run(["classify", "--stage", "banana", "250 ok"])
        #expect(badStage.standardError.contains("--stage"))
        let certificates = try TestCertificates.make()
        let broken = try certificates.writeSecret("rule x -> maybe", name: "broken.rules")
        let badRules = try await MailctlProcess.run(["classify", "--rules", broken, "250 ok"])
        #expect(badRules.status != 0)
        #expect(badRules.standardError.contains("broken.rules:1"))
    }
}

extension ClassifyCommandTests {
    /// `--config` uses the classification_rules a maild.conf names, found beside it as maild
    /// finds it, without reading anything else of the file (an account's secret file may be
    /// readable by maild alone).
    @Test func theConfigurationsRulesAreUsedAsMaildUsesThem() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("classify-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "rule our-relay-quirk -> throttle\n    stage rcpt\n    text please slow down\n"
            .write(to: directory.appendingPathComponent("local.rules"), atomically: true, encoding: .utf8)
        let configuration = directory.appendingPathComponent("maild.conf")
        try """
            [daemon]
            database = /nonexistent/maild.db

            [delivery]
            classification_rules = local.rules   # beside this file

            [account relay]
            host = 127.0.0.1
            username = me
            password_file = /root/unreadable.password
            """.write(to: configuration, atomically: true, encoding: .utf8)
        let output = try await MailctlProcess.run(["classify", "--json", "--config", configuration.path, "550 5.7.1 please slow down"])
        #expect(output.status == 0, "\(output.standardError)")
        let object = try JSONDecoder().decode([String: String].self, from: Data(output.standardOutput.utf8))
        #expect(object["class"] == "throttle" && object["rule"] == "our-relay-quirk", "\(object)")
        // Without --config the built-in rules decide.
        let builtIn = try await MailctlProcess.run(["classify", "--json", "550 5.7.1 please slow down"])
        #expect(try JSONDecoder().decode([String: String].self, from: Data(builtIn.standardOutput.utf8))["class"] != "throttle")
        let missing = try await MailctlProcess.run(["classify", "--config", directory.appendingPathComponent("none.conf").path, "250 ok"])
        #expect(missing.status != 0 && missing.standardError.contains("none.conf"), "\(missing.standardError)")
    }
}
