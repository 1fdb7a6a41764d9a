import ArgumentParser
import Delivery
import Foundation
import SMTP

/// `mailctl classify`: how an operator checks what maild would do with a reply, or tests a new
/// rule, without a daemon.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Show the class, the action and the rule maild applies to an SMTP reply.",
        discussion: """
        The reply is written as the server sent it, multi-line replies joined on one line: \
        mailctl classify --stage rcpt '550 5.1.1 <a@example.org>: user unknown'. Rules files \
        given with --rules are tried first, in order, then the classification_rules of the \
        maild.conf given with --config, then the built-in defaults (etc/classification.rules).
        """
    )

    @Argument(help: "The reply, e.g. \"421 4.7.0 Try again later\".")
    var reply: String

    @Option(help: "The command the reply answered: connect, ehlo, starttls, auth, mail, rcpt, data, dot.")
    var stage: String = "rcpt"

    @Option(name: .customLong("rules"), help: "A rules file tried before the defaults (repeatable).")
    var rulesFiles: [String] = []

    @Option(name: .customLong("config"), help: "A maild.conf whose [delivery] classification_rules are used, as maild uses them.")
    var configuration: String?

    @Flag(help: "Print one JSON object with the keys class, action, rule, source, stage, reply.")
    var json = false

    func run() throws {
        guard let stage = SMTPStage(operatorInput: stage) else {
            throw ValidationError("--stage: \(String(reflecting: self.stage)) is not one of connect, ehlo, starttls, auth, mail, rcpt, data, dot, rset, quit")
        }
        guard let parsed = SMTPReply(singleLine: reply.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("\(String(reflecting: reply)) is not an SMTP reply: it must start with a three-digit code from 200 to 599, e.g. \"550 5.1.1 user unknown\"")
        }
        guard (200...599).contains(parsed.code) else {
            throw ValidationError("\(parsed.code) is not an SMTP reply code (200 to 599)")
        }
        var files = rulesFiles
        if let configuration { files += try Self.rulesFiles(ofConfiguration: configuration) }
        let classifier = try ReplyClassifier(overrides: try files.map(Self.loadRules))
        let classification = classifier.classify(reply: parsed, stage: stage)
        let action = DeliveryAction(for: classification.replyClass)
        if json {
            let object: [String: String] = [
                "class": classification.replyClass.rawValue, "action": action.rawValue, "rule": classification.rule,
                "source": classification.source, "stage": stage.rawValue, "reply": parsed.description,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("class   \(classification.replyClass)")
            print("action  \(action): \(action.explanation)")
            print("rule    \(classification.rule) (\(classification.source))")
        }
    }

    /// The `classification_rules` of a maild.conf's [delivery] section, resolved as maild
    /// resolves it (relative to the configuration file). Only that key is read: the rest of the
    /// file (account secrets readable by maild alone) is none of this command's business.
    static func rulesFiles(ofConfiguration path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw commandFailure("--config: cannot read \(path)")
        }
        var section = ""
        // `isNewline`: a CRLF file's "\r\n" is one Character, which a split on "\n" misses.
        for line in String(decoding: data, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            var text = Substring(line)
            if let comment = text.range(of: " #") { text = text[..<comment.lowerBound] }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if trimmed.hasPrefix("["), trimmed.hasSuffix("]") {
                section = trimmed.dropFirst().dropLast().split(separator: " ").first.map(String.init) ?? ""
                continue
            }
            guard section == "delivery", let equals = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard key == "classification_rules", !value.isEmpty else { continue }
            if value.hasPrefix("/") { return [value] }
            return [URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(value).standardized.path]
        }
        return []
    }

    static func loadRules(_ path: String) throws -> ClassificationRuleSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw commandFailure("--rules: cannot read \(path)")
        }
        do {
            return try ClassificationRuleSet(parsing: String(decoding: data, as: UTF8.self), fileName: path)
        } catch {
            throw commandFailure("--rules: \(error.description)")
        }
    }
}
