import Foundation
import Testing

/// A job is committed whole or not at all, and exactly once: a commit is refused when one of
/// the upload's chunks was not stored, and a submit whose answer was lost tells the operator
/// the idempotency key that makes the retry safe.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SubmitIntegrityTests {
    static func commit(id: Int, jobID: Int) -> String {
        #"{"id":\#(id),"type":"submit_commit","body":{"job_id":\#(jobID),"duplicates_removed_by_client":0,"skipped_by_client":0}}"#
    }

    /// A client that ignores a chunk's error and commits anyway must not get a job missing
    /// that chunk: maild counts the chunks it stored and refuses the commit, naming the chunk.
    /// Both ways a chunk can fail before storage are covered: refused by a check (more than
    /// 50,000 recipients) and unreadable (a body that does not decode).
    @Test(arguments: [
        ("oversized", #"chunk 2 of 3 was not stored (a chunk may hold at most 50000 recipients, this one has 50001)"#),
        ("unreadable", #"chunk 2 of 3 was not stored (submit_chunk: "#),
    ])
    func aCommitAfterAChunkThatWasNotStoredIsRefusedAndTheUploadDiscarded(kind: String, expected: String) async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let client = try RawIPCClient(socketPath: harness.socketPath)
        defer { client.close() }
        _ = try client.call(#"{"id":1,"type":"hello","body":{"protocol_version":1,"client":"gap"}}"#)
        let started = try client.call(#"{"id":2,"type":"submit_begin","body":{"spec":"\#(RawIPCClient.spec())","idempotency_key":"gap"}}"#)
        let jobID = try #require((started["body"] as? [String: Any])?["job_id"] as? Int, "\(started)")

        // Pipelined as mailctl does: three chunks before any answer is read.
        try client.send(RawIPCClient.chunk(id: 3, jobID: jobID, 1...2))
        if kind == "oversized" {
            try client.send(RawIPCClient.chunk(id: 4, jobID: jobID, 1_000...51_000))
        } else {
            try client.send(#"{"id":4,"type":"submit_chunk","body":{"job_id":\#(jobID),"recipients":[{"address":5,"variables":{}}]}}"#)
        }
        try client.send(RawIPCClient.chunk(id: 5, jobID: jobID, 3...3))
        let answers = try (0..<3).map { _ in try client.receive() }
        #expect(answers.map { $0["type"] as? String } == ["chunk_accepted", "error", "chunk_accepted"], "\(answers)")
        #expect(try await LimitsTests.rowCounts(harness) == [1, 3], "the staging job holds chunks 1 and 3")

        let commit = try client.call(Self.commit(id: 6, jobID: jobID))
        let failure = try #require(commit["body"] as? [String: Any], "\(commit)")
        #expect(commit["type"] as? String == "error")
        #expect(failure["code"] as? String == "invalid_state")
        let message = failure["message"] as? String ?? ""
        #expect(message.hasPrefix("job \(jobID) not committed: \(expected)"), "\(message)")
        #expect(message.hasSuffix("the upload was discarded, nothing was kept; submit the campaign again"), "\(message)")
        #expect(try await LimitsTests.rowCounts(harness) == [0, 0], "the staging job and its recipients are gone")
        let again = try client.call(Self.commit(id: 7, jobID: jobID))
        #expect((again["body"] as? [String: Any])?["code"] as? String == "invalid_state", "\(again)")
        #expect(harness.daemonLog.contains("commit refused: a chunk was not stored; upload discarded"))

        // The key was not used up: the whole campaign goes in under it.
        let retry = try client.call(#"{"id":8,"type":"submit_begin","body":{"spec":"\#(RawIPCClient.spec())","idempotency_key":"gap"}}"#)
        let retriedID = try #require((retry["body"] as? [String: Any])?["job_id"] as? Int, "\(retry)")
        #expect(try client.call(RawIPCClient.chunk(id: 9, jobID: retriedID, 1...3))["type"] as? String == "chunk_accepted")
        let committed = try client.call(Self.commit(id: 10, jobID: retriedID))
        #expect(committed["type"] as? String == "job", "\(committed)")
        #expect(((committed["body"] as? [String: Any])?["counts"] as? [String: Any])?["total"] as? Int == 3)
    }

    /// maild commits the job but its answer never reaches mailctl (here a proxy swallows it;
    /// in life maild was killed between the two). mailctl must not leave the operator to retry
    /// blind, which would create a second job and mail every recipient twice: it prints the
    /// key and the command, and that command returns the committed job without a second one.
    @Test func aSubmitWhoseAnswerWasLostPrintsTheKeyThatRetriesSafely() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let proxy = try CommitAnswerDroppingProxy(directory: harness.directory, upstream: harness.socketPath)
        defer { proxy.close() }
        let campaign = try harness.writeCampaign(count: 12_000, sendAt: "2099-01-01T00:00:00Z")

        let lost = try await runTool(DaemonHarness.binary("mailctl").path, ["submit", campaign, "--socket", proxy.path])
        #expect(lost.status == 1, "\(lost.output)\(lost.errors)")
        #expect(proxy.droppedCommitAnswers == 1)
        #expect(lost.output.isEmpty, "no job id may be printed when none was confirmed: \(lost.output)")
        let jobs = try await harness.mailctl(["list", "--all", "--json"])
        #expect(jobs.standardOutput.components(separatedBy: "\"job_id\"").count == 2, "maild committed the job: \(jobs.standardOutput)")

        // The message names the key and the exact command; run that command as printed.
        let errors = lost.errors
        #expect(errors.contains("maild may have committed job 1 before the connection failed"), "\(errors)")
        #expect(errors.contains("A retry without this key can create a second job and mail every recipient twice"), "\(errors)")
        let command = try #require(errors.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("mailctl submit ") }, "\(errors)")
        let words = command.split(separator: " ").map(String.init)
        let keyIndex = try #require(words.firstIndex(of: "--idempotency-key"), "\(command)")
        let key = words.count > keyIndex + 1 ? words[keyIndex + 1] : ""
        #expect(command == "mailctl submit \(campaign) --idempotency-key \(key) --socket \(proxy.path)")
        #expect(UUID(uuidString: key) != nil, "the generated key: \(key)")

        let retried = try await harness.mailctl(["submit", campaign, "--idempotency-key", key])
        #expect(retried.status == 0, "\(retried.standardError)")
        #expect(retried.standardOutput == "1\n")
        #expect(retried.standardError.contains("idempotency key \(key) was already used: job 1 exists, nothing uploaded again"), "\(retried.standardError)")
        let after = try await harness.mailctl(["list", "--all", "--json"])
        #expect(after.standardOutput.components(separatedBy: "\"job_id\"").count == 2, "still one job: \(after.standardOutput)")
        #expect(after.standardOutput.contains("\"total\":12000"), "\(after.standardOutput)")
    }
}
