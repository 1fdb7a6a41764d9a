import Foundation
import SMTPServer
import Testing

/// The database's file system fills up while a campaign sends: maild says why it waits, keeps
/// answering mailctl, loses nothing, and carries on by itself once space returns.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DiskFullTests {
    @Test func aFullDiskHoldsSendingAndFreedSpaceResumesIt() async throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return }
        // A relay slow enough that the campaign is still sending when the disk fills.
        let script = ServerScript([ScriptRule(on: .dot, action: ServerAction.standard.delayed(by: .milliseconds(15)))])
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script, recordLimit: nil), concurrency: 2,
                                              databaseSubfolder: "db")
        defer { Task { await harness.stop() } }
        // maild runs in its own mount namespace with the database folder on a 16 MB tmpfs (SQLite's WAL alone grows to 4 MB between checkpoints).
        let folder = harness.databaseFolder.path
        // Through the reaper (SystemdTestSupport.swift): a direct child that execs again leaves
        // Foundation unable to reap the test's other children.
        harness.launcher = DaemonHarness.reaper + ["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                            "mount -t tmpfs -o size=16m tmpfs \(folder) && exec \"$0\" \"$@\""]
        try await harness.startDaemon()
        let reaperPID = try #require(harness.maild?.processIdentifier)
        let children = try String(contentsOfFile: "/proc/\(reaperPID)/task/\(reaperPID)/children", encoding: .utf8)
        let pid = try #require(children.split(separator: " ").first.flatMap { Int32($0) }, "maild's pid under the reaper")
        let folderSeenByMaild = "/proc/\(pid)/root\(folder)"
        #expect(FileManager.default.fileExists(atPath: "\(folderSeenByMaild)/maild.db"))
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/maild.db"), "the tmpfs is not private to maild")

        let count = 400
        let campaign = try harness.writeCampaign(count: count)
        let submit = try await harness.mailctl(["submit", campaign])
        #expect(submit.status == 0, "\(submit.standardError)")
        let job = submit.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        try await Self.waitUntil { try await Self.counts(harness, job)["sent"] ?? 0 >= 40 }

        // Fill the file system to the last byte.
        let filler = "\(folderSeenByMaild)/filler"
        let fillerDescriptor = open(filler, O_WRONLY | O_CREAT, 0o600)
        #expect(fillerDescriptor >= 0)
        let block = [UInt8](repeating: 0x55, count: 4096)
        while block.withUnsafeBytes({ write(fillerDescriptor, $0.baseAddress, 4096) }) > 0 {}
        _ = block.withUnsafeBytes { write(fillerDescriptor, $0.baseAddress, 1) }
        close(fillerDescriptor)

        // Sending stops with the reason in the log; status still answers; maild stays up.
        try await Self.waitUntil { harness.daemonLog.contains("sending waits until the database can be written again") }
        let held = try await Self.counts(harness, job)["sent"] ?? 0
        try await Task.sleep(for: .seconds(1))
        let stillHeld = try await Self.counts(harness, job)["sent"] ?? 0
        #expect(stillHeld - held <= 2 * 256, "sending went on while nothing could be recorded")
        #expect(stillHeld < count)
        #expect(harness.maild?.isRunning == true)

        // Space returns: the job finishes by itself, every recipient delivered.
        try FileManager.default.removeItem(atPath: filler)
        do {
            try await Self.waitUntil {
                try await harness.mailctl(["status", job, "--json"]).standardOutput.contains("\"state\":\"completed\"")
            }
        } catch {
            let df = Process()
            df.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            df.arguments = ["-t", "\(pid)", "-m", "sh", "-c", "df -k \(folder); ls -la \(folder)"]
            try df.run()
            df.waitUntilExit()
            print("disk-full test: counts and last log lines:", try await Self.counts(harness, job), harness.daemonLog.split(separator: "\n").filter { !$0.contains("debug") }.suffix(20).joined(separator: "\n"))
            throw error
        }
        let status = try await harness.mailctl(["status", job, "--json"])
        #expect(status.standardOutput.contains("\"state\":\"completed\""), "\(status.standardOutput)\n\(harness.daemonLog.suffix(3000))")
        #expect(harness.daemonLog.contains("the database can be written again"))
        let received = harness.relay.messages.flatMap(\.recipients)
        #expect(Set(received).count == count)
        #expect(harness.maild?.isRunning == true)
    }

    static func counts(_ harness: DaemonHarness, _ job: String) async throws -> [String: Int] {
        let status = try await harness.mailctl(["status", job, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any]
        return (object?["counts"] as? [String: Int]) ?? [:]
    }

    static func waitUntil(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<300 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("condition not met within 30 s")
        throw HarnessError("condition not met within 30 s")
    }
}
