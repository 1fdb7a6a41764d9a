@testable import Daemon
import Delivery
import Foundation
import Logging
import Queue
import Testing

/// How the delivery engine feeds a job's bounce breaker across a restart: rebuilt from the
/// stored outcomes before the first one it judges, whatever that one is, and never for a job
/// that is done for good.
@Suite struct BreakerBoardTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-breaker-\(UUID().uuidString)")
    let before = Date(timeIntervalSinceNow: -60)

    func open() throws -> (QueueStore, StoreAccess, RuntimeSettings) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = directory.appendingPathComponent("maild.db").path
        let configuration = try DaemonConfiguration.parse("""
            [daemon]
            database = \(database)

            [delivery]
            breaker_threshold = 40%
            breaker_minimum = 10

            [account relay]
            host = 127.0.0.1
            tls = none
            """, path: directory.appendingPathComponent("maild.conf").path)
        let store = try QueueStore(path: database)
        return (store, StoreAccess(store: store, threads: 1, readThreads: 1), try RuntimeSettings.make(configuration))
    }

    /// A job that sent before this daemon started: `outcomes` recorded a minute ago, in order.
    func jobThatSent(_ store: QueueStore, _ outcomes: [(ReplyClass, String)]) throws -> Int64 {
        let job = NewJob(name: "old", account: "relay", ownerUID: 1000, ownerGID: 1000, spec: Data("{}".utf8))
        guard case .started(let jobID) = try store.beginSubmission(job, now: before) else { throw CancellationError() }
        _ = try store.appendRecipients(jobID: jobID, (0..<outcomes.count + 5).map { NewRecipient(address: "user\($0)@example.com") }, now: before)
        _ = try store.commitSubmission(jobID: jobID, now: before)
        _ = try store.startDueJobs(now: before)
        let claimed = try store.claimDueRecipients(account: "relay", now: before, limit: outcomes.count)
        try store.record(zip(claimed, outcomes).enumerated().map { index, pair in
            let (recipient, (replyClass, rule)) = pair
            let transition: DeliveryOutcome.Transition = replyClass == .success ? .sent : .failed
            return DeliveryOutcome(recipientID: recipient.id, jobID: jobID, account: "relay", provider: "default",
                                   attempt: AttemptInfo(at: before.addingTimeInterval(Double(index)), stage: "rcpt", code: 550, enhanced: nil,
                                                        text: "x", replyClass: replyClass, rule: rule, durationMilliseconds: 1),
                                   transition: transition, countsTowardLimits: false)
        })
        return jobID
    }

    @Test func aTransientFirstOutcomeDoesNotSkipTheRebuild() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, access, settings) = try open()
        // Six bounces and two deliveries before the restart: 60% once ten are in.
        let jobID = try jobThatSent(store, Array(repeating: (.bounce, "bounce"), count: 6) + Array(repeating: (.success, "ok"), count: 2))
        let board = BreakerBoard()
        #expect(board.record(.transient, jobID: jobID, settings: settings) == nil)
        await board.prepare(jobID: jobID, settings: settings, store: access, logger: Logger(label: "test"))
        #expect(board.record(.success, jobID: jobID, settings: settings) == nil)
        #expect(board.record(.success, jobID: jobID, settings: settings) == "6 of the first 10 outcomes were bounces or rejects (threshold 40%)")
    }

    @Test func messagesMaildCouldNotRenderAreNotTheRelaysVerdict() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, access, settings) = try open()
        let jobID = try jobThatSent(store, Array(repeating: (.reject, "render-error"), count: 9))
        let board = BreakerBoard()
        await board.prepare(jobID: jobID, settings: settings, store: access, logger: Logger(label: "test"))
        // Had the nine counted, the tenth outcome would trip; they are left out, as live.
        #expect(board.record(.success, jobID: jobID, settings: settings) == nil)
        #expect(try store.breakerOutcomes(jobID: jobID, first: 10, last: 10).total == 0)
    }

    @Test func aJobThatBeganSinceTheStartIsNotReadAndACancelledOneJudgesNothing() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, access, settings) = try open()
        let jobID = try jobThatSent(store, Array(repeating: (.bounce, "bounce"), count: 9))
        // A board that started before the job sent: everything is already in its memory.
        let early = BreakerBoard(startedAt: before.addingTimeInterval(-1))
        await early.prepare(jobID: jobID, settings: settings, store: access, logger: Logger(label: "test"))
        #expect(early.record(.success, jobID: jobID, settings: settings) == nil, "nothing read: one outcome of ten so far")
        #expect(try store.breakerOutcomes(jobID: jobID, first: 10, last: 10, sentBefore: before.addingTimeInterval(-1)).total == 0)

        let board = BreakerBoard()
        board.forget(jobIDs: [jobID], forGood: true)
        await board.prepare(jobID: jobID, settings: settings, store: access, logger: Logger(label: "test"))
        #expect(board.record(.bounce, jobID: jobID, settings: settings) == nil)
    }
}
