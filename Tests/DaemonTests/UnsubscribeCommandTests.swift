import Foundation
import Testing

/// `mailctl unsubscribe`: what an operator's unsubscribe handler calls with the token and the
/// address a recipient's one-click link (or mailto) carried. maild suppresses the address only
/// when the token is the one it wrote for that address, and later campaigns skip it.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct UnsubscribeCommandTests {
    @Test func aRecipientsOwnTokenUnsubscribesThemAndNothingElseDoes() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let campaign: [String: Any] = [
            "name": "news", "account": "test", "from": "News <news@example.org>", "subject": "Hello", "text": "Hi.\n",
            "unsubscribe": ["url": "https://example.org/u/{{token}}?e={{email}}"],
            "recipients": (1...3).map { ["email": "reader\($0)@example.com"] } + [["email": "John.Smith@example.com"]],
        ]
        let path = harness.directory.appendingPathComponent("news.json").path
        try JSONSerialization.data(withJSONObject: campaign).write(to: URL(fileURLWithPath: path))
        let submit = try await harness.mailctl(["submit", path, "--watch"])
        #expect(submit.status == 0, "\(submit.standardOutput)\(submit.standardError)")
        let job = submit.standardOutput.split(separator: "\n").first.map(String.init) ?? ""

        // The tokens as the recipients got them, from List-Unsubscribe.
        var tokens: [String: String] = [:]
        for message in harness.relay.messages {
            guard let range = message.text.range(of: #"https://example\.org/u/([A-Za-z0-9_-]{43})\?e="#, options: .regularExpression) else { continue }
            let token = String(message.text[range].dropFirst("https://example.org/u/".count).prefix(43))
            tokens[message.recipients[0]] = token
        }
        #expect(tokens.count == 4, "\(harness.relay.messages.map(\.text))")
        let first = try #require(tokens["reader1@example.com"])
        let second = try #require(tokens["reader2@example.com"])

        // Someone else's token, a made-up one, the right one for another job: refused, nothing changes.
        let forged = try await harness.mailctl(["unsubscribe", "--token", second, "--email", "reader1@example.com"])
        #expect(forged.status == 1)
        #expect(forged.standardError.contains("the token does not belong to reader1@example.com"), "\(forged.standardError)")
        let guessed = try await harness.mailctl(["unsubscribe", "--token", String(repeating: "A", count: 43), "--email", "reader1@example.com"])
        #expect(guessed.status == 1)
        // A token may begin with "-" (one in 64): taken as the token, never as an option ("-h..."
        // once printed the help and exited 0, which a handler reads as done).
        let dashed = try await harness.mailctl(["unsubscribe", "--token", "-h" + String(repeating: "A", count: 41), "--email", "reader1@example.com"])
        #expect(dashed.status == 1 && dashed.standardError.contains("the token does not belong to reader1@example.com"), "\(dashed.status) \(dashed.standardOutput)\(dashed.standardError)")
        let wrongJob = try await harness.mailctl(["unsubscribe", "--token", first, "--email", "reader1@example.com", "--job", "999"])
        #expect(wrongJob.status == 1 && wrongJob.standardError.contains("in job 999"), "\(wrongJob.standardError)")
        let malformed = try await harness.mailctl(["unsubscribe", "--token", "short", "--email", "reader1@example.com"])
        #expect(malformed.status == 1 && malformed.standardError.contains("43 characters of base64url"), "\(malformed.standardError)")
        let noAddress = try await harness.mailctl(["unsubscribe", "--token", first, "--email", "reader1"])
        #expect(noAddress.status == 1 && noAddress.standardError.contains("not an address"), "\(noAddress.standardError)")
        #expect(try await harness.mailctl(["suppress", "list"]).standardOutput.split(separator: "\n").count == 1)

        // The recipient's own: suppressed, once; a second click says so.
        // A mailto request's From may differ from the list in the case of its letters: the token
        // is checked against the address as listed.
        let own = try await harness.mailctl(["unsubscribe", "--token", first, "--email", "Reader1@EXAMPLE.com"])
        #expect(own.status == 0, "\(own.standardError)")
        #expect(own.standardOutput == "reader1@example.com unsubscribed (job \(job)): later campaigns skip it\n", "\(own.standardOutput)")
        // Listed as John.Smith@, unsubscribed as john.smith@: the list holds one form for both.
        let john = try await harness.mailctl(["unsubscribe", "--token", try #require(tokens["John.Smith@example.com"]), "--email", "john.smith@example.com"])
        #expect(john.status == 0, "\(john.standardError)")
        let again = try await harness.mailctl(["unsubscribe", "--token", first, "--email", "reader1@example.com", "--job", job, "--json"])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardOutput.contains(#""already_suppressed":true"#), "\(again.standardOutput)")
        let list = try await harness.mailctl(["suppress", "list"])
        #expect(list.standardOutput.contains("reader1@example.com,unsubscribed (job \(job)),,\(job),"), "\(list.standardOutput)")

        // The next campaign to the same list skips the unsubscribed address.
        let before = harness.relay.messages.count
        let next = try await harness.mailctl(["submit", path, "--watch"])
        #expect(next.status == 0, "\(next.standardError)")
        #expect(Set(harness.relay.messages.dropFirst(before).flatMap(\.recipients)) == ["reader2@example.com", "reader3@example.com"])

        // maild down: a temporary failure (75), so the handler tries again later.
        await harness.kill(signal: SIGTERM)
        let down = try await harness.mailctl(["unsubscribe", "--token", second, "--email", "reader2@example.com"])
        #expect(down.status == 75, "\(down.status) \(down.standardError)")
        #expect(down.standardError.contains("nothing was changed: try again later"), "\(down.standardError)")
    }
}
