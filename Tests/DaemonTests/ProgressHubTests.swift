@testable import Daemon
import Foundation
import IPC
import Queue
import Testing

/// The progress hub answers from snapshots: a stale one at once while a single refresh runs
/// behind it, a missing or invalidated one only after the store was read.
@Suite(.timeLimit(.minutes(1)))
struct ProgressHubTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-hub-\(UUID().uuidString)")

    func runningJob(_ store: QueueStore, recipients: Int) throws -> Int64 {
        let job = NewJob(name: "hub", account: "main", ownerUID: 1000, ownerGID: 1000, spec: Data("{}".utf8))
        guard case .started(let jobID) = try store.beginSubmission(job) else { throw CancellationError() }
        _ = try store.appendRecipients(jobID: jobID, (0..<recipients).map { NewRecipient(address: "user\($0)@example.com") })
        _ = try store.commitSubmission(jobID: jobID)
        _ = try store.startDueJobs()
        return jobID
    }

    /// A new queue file in `directory`, with the store access and a hub reading it.
    func openHub(freshness: Duration = .milliseconds(200)) throws -> (QueueStore, StoreAccess, ProgressHub) {
        let store = try QueueStore(path: directory.appendingPathComponent("queue.sqlite").path)
        let access = StoreAccess(store: store, threads: 1, readThreads: 1)
        return (store, access, ProgressHub(store: access, freshness: freshness))
    }

    @Test func staleSnapshotsAnswerAtOnceAndInvalidatedOnesWaitForTheStore() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, access, hub) = try openHub(freshness: .milliseconds(300))
        let jobID = try runningJob(store, recipients: 3)

        // No snapshot yet: the first answer waits for the store.
        #expect(try await hub.status(of: jobID)?.counts.pending == 3)
        _ = try store.claimDueRecipients(account: "main", limit: 2)
        // Fresh or stale (up to two intervals), the snapshot is what answers: no request waits
        // for a count.
        #expect(try await hub.status(of: jobID)?.counts.pending == 3)
        try await Task.sleep(for: .milliseconds(350))
        #expect(try await hub.status(of: jobID)?.counts.pending == 3)
        // The refresh that stale answer started lands shortly after.
        var latest = try await hub.status(of: jobID)
        for _ in 0..<200 where latest?.counts.pending != 1 {
            try await Task.sleep(for: .milliseconds(20))
            latest = try await hub.status(of: jobID)
        }
        #expect(latest?.counts.pending == 1)
        #expect(latest?.counts.sending == 2)

        // After a change made through a control request, the next answer shows it.
        _ = try store.claimDueRecipients(account: "main", limit: 1)
        await hub.invalidate(jobID)
        #expect(try await hub.status(of: jobID)?.counts.pending == 0)
        #expect(try await hub.status(of: jobID)?.counts.sending == 3)

        #expect(try await hub.status(of: jobID + 1) == nil)
        await access.shutdown()
    }

    /// A snapshot nobody asked for during two intervals is not served: a script that polls
    /// now and then reads the state as it is, not as it was at its previous poll.
    @Test func aSnapshotOlderThanTwoIntervalsIsReadFreshBeforeTheAnswer() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, access, hub) = try openHub(freshness: .milliseconds(50))
        let jobID = try runningJob(store, recipients: 3)
        #expect(try await hub.status(of: jobID)?.counts.pending == 3)
        _ = try store.claimDueRecipients(account: "main", limit: 2)
        try await Task.sleep(for: .milliseconds(150))
        let status = try await hub.status(of: jobID)
        #expect(status?.counts.pending == 1)
        #expect(status?.counts.sending == 2)
        await access.shutdown()
    }

    /// A cancelled job is finished, but the messages already on the wire finish after the
    /// cancel and record their outcome: its snapshot follows them until none is `sending`, and
    /// only then stays as it is.
    @Test func aCancelledJobsSnapshotFollowsTheMessagesStillBeingSent() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, access, hub) = try openHub(freshness: .milliseconds(50))
        let jobID = try runningJob(store, recipients: 3)
        let claimed = try store.claimDueRecipients(account: "main", limit: 2)
        try store.cancel(jobID: jobID)
        await hub.invalidate(jobID)
        let cancelled = try #require(try await hub.status(of: jobID))
        #expect(cancelled.state == .cancelled)
        #expect(cancelled.counts.sending == 2)
        #expect(cancelled.counts.cancelled == 1)

        let attempt = AttemptInfo(at: Date(), stage: "data", code: 250, enhanced: "2.0.0", text: "ok", replyClass: .success,
                                  rule: "test", durationMilliseconds: 5)
        try store.record([DeliveryOutcome(recipientID: claimed[0].id, jobID: jobID, account: "main", provider: "default",
                                          attempt: attempt, transition: .sent)])
        let oneLeft = try await Self.waitFor(hub, jobID) { $0.counts.sending == 1 }
        #expect(oneLeft.counts.sent == 1)
        try store.record([DeliveryOutcome(recipientID: claimed[1].id, jobID: jobID, account: "main", provider: "default",
                                          attempt: attempt, transition: .sent)])
        let settled = try await Self.waitFor(hub, jobID) { $0.counts.sending == 0 }
        #expect(settled.counts.sent == 2)
        #expect(settled.counts.cancelled == 1)
        #expect(settled.state == .cancelled)
        await access.shutdown()
    }

    /// The hub's answer once `condition` holds, asking for up to two seconds.
    static func waitFor(_ hub: ProgressHub, _ jobID: Int64, _ condition: (JobStatus) -> Bool) async throws -> JobStatus {
        var latest = try await hub.status(of: jobID)
        for _ in 0..<100 {
            if let latest, condition(latest) { return latest }
            try await Task.sleep(for: .milliseconds(20))
            latest = try await hub.status(of: jobID)
        }
        throw HarnessError("the hub's snapshot of job \(jobID) never got there; last: \(String(describing: latest?.counts))")
    }

    /// Fifty requests for a job without a snapshot, at once: all wait for the one refresh and
    /// all get the status, none an error or nil.
    @Test func concurrentFirstRequestsAllGetTheStatus() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, access, hub) = try openHub()
        let jobID = try runningJob(store, recipients: 5)
        let answers = try await withThrowingTaskGroup(of: JobStatus?.self) { group in
            for _ in 0..<50 { group.addTask { try await hub.status(of: jobID) } }
            return try await group.reduce(into: [JobStatus?]()) { $0.append($1) }
        }
        #expect(answers.count == 50)
        #expect(Set(answers.map { $0?.counts.total }) == [5])
        await access.shutdown()
    }
}
