import Delivery
import Foundation
import Queue
import TestSupport

/// A fresh temporary folder per test, and helpers to fill and inspect queues.
struct TemporaryQueue {
    let directory: URL
    var path: String { directory.appendingPathComponent("queue.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-queue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func open(busyTimeout: TimeInterval = 5) throws -> QueueStore {
        try QueueStore(path: path, busyTimeout: busyTimeout)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

enum QueueFixtures {
    static let migrationsFolder = RepositoryPaths.root.appendingPathComponent("migrations")

    static func job(_ name: String = "spring", account: String = "gmail-main", key: String? = nil, sendAt: Date? = nil,
                    uid: uid_t = 1000) -> NewJob {
        NewJob(idempotencyKey: key, name: name, account: account, ownerUID: uid, ownerGID: 1000,
               spec: Data(#"{"subject":"Hello"}"#.utf8), sendAt: sendAt)
    }

    static func recipients(_ addresses: [String]) -> [NewRecipient] {
        addresses.map { NewRecipient(address: $0, name: "Name of \($0)", variables: #"{"first":"A"}"#) }
    }

    /// Submits and commits a job with these addresses; returns its id.
    static func submit(_ store: QueueStore, _ addresses: [String], account: String = "gmail-main", now: Date = Date()) throws -> Int64 {
        guard case .started(let jobID) = try store.beginSubmission(job(account: account), now: now) else {
            throw QueueTestError("expected a new submission")
        }
        try store.appendRecipients(jobID: jobID, recipients(addresses), now: now)
        try store.commitSubmission(jobID: jobID, now: now)
        return jobID
    }

    static func outcome(_ claimed: ClaimedRecipient, _ transition: DeliveryOutcome.Transition, at: Date = Date(),
                        code: Int = 250, replyClass: ReplyClass = .success) -> DeliveryOutcome {
        DeliveryOutcome(recipientID: claimed.id, jobID: claimed.jobID, account: "gmail-main", provider: "gmail",
                        attempt: AttemptInfo(at: at, stage: "rcpt", code: code, enhanced: "2.0.0", text: "reply \(code)",
                                             replyClass: replyClass, rule: "test-rule", durationMilliseconds: 12),
                        transition: transition)
    }
}

struct QueueTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs python3 (the independent SQLite client these tests check the file with).
enum Python {
    /// Runs a script to completion; returns stdout; throws with stderr on failure.
    @discardableResult
    static func run(_ script: String, _ arguments: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw QueueTestError("python3 failed (\(process.terminationStatus)): \(String(decoding: err, as: UTF8.self))")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Starts a script that prints "ready" once it holds what the test needs, and waits for that line.
    static func startHolding(_ script: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var buffer = Data()
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw QueueTestError("python3 exited before it was ready") }
            buffer.append(chunk)
        }
        guard String(decoding: buffer, as: UTF8.self).hasPrefix("ready") else {
            throw QueueTestError("python3 said \(String(decoding: buffer, as: UTF8.self))")
        }
        return process
    }
}
