import Foundation
import SMTPServer
import Testing

/// kill -9 at random moments while sending: nothing is lost, duplicates stay among the
/// messages in flight, and a re-sent message carries the Message-ID of its first sending.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct CrashTests {
    @Test func sigkillFiveTimesLosesNoRecipient() async throws {
        let harness = try await DaemonHarness(concurrency: 4)
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let total = 5_000
        let campaign = try harness.writeCampaign(count: total)
        let submit = try await harness.mailctl(["submit", campaign])
        #expect(submit.status == 0, "\(submit.standardError)")
        let jobID = submit.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        var kills = 0
        while kills < 5 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...900)))
            let delivered = harness.relay.messages.count
            if delivered >= total { break }
            await harness.kill(signal: SIGKILL)
            kills += 1
            try await harness.startDaemon()
        }
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.status == 0, "\(watch.standardOutput.suffix(400))\(watch.standardError)")

        let messages = harness.relay.messages
        var byRecipient: [String: [String]] = [:]
        for message in messages {
            let text = String(decoding: message.data, as: UTF8.self)
            let id = text.split(separator: "\r\n").first { $0.lowercased().hasPrefix("message-id:") }.map(String.init) ?? ""
            for recipient in message.recipients { byRecipient[recipient, default: []].append(id) }
        }
        #expect(byRecipient.count == total, "every recipient delivered at least once")
        let duplicates = messages.count - byRecipient.count
        // At a kill, each worker can have its claimed batch plus its uncommitted outcomes in flight.
        let bound = kills * 4 * (16 + 256)
        #expect(duplicates <= bound, "\(duplicates) duplicates after \(kills) kills")
        for (recipient, ids) in byRecipient where ids.count > 1 {
            #expect(Set(ids).count == 1, "\(recipient) was re-sent with a different Message-ID: \(ids)")
        }
        let status = try await harness.mailctl(["status", jobID, "--json"])
        #expect(status.standardOutput.contains("\"sent\":\(total)"))
        print("crash test: \(kills) kills, \(messages.count) messages for \(total) recipients, \(duplicates) duplicates")
    }
}
