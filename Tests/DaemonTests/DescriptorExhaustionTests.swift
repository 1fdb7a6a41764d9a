import Foundation
import SMTPServer
import Testing

/// maild runs out of file descriptors (a low RLIMIT_NOFILE and a crowd of idle control
/// connections) while it sends: it says so, keeps running, defers rather than fails, and
/// serves everyone again once descriptors are free.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DescriptorExhaustionTests {
    @Test func runningOutOfDescriptorsIsSurvivedAndRecoveredFrom() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else { return }
        let script = ServerScript([ScriptRule(on: .dot, action: ServerAction.standard.delayed(by: .milliseconds(40)))])
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(script: script, recordLimit: nil), concurrency: 2)
        defer { Task { await harness.stop() } }
        // Through the reaper (SystemdTestSupport.swift), as prlimit execs maild in its place.
        harness.launcher = DaemonHarness.reaper + ["/usr/bin/prlimit", "--nofile=96:96", "--"]
        try await harness.startDaemon()
        let count = 60
        let campaign = try harness.writeCampaign(count: count)
        let submit = try await harness.mailctl(["submit", campaign])
        #expect(submit.status == 0, "\(submit.standardError)")
        let job = submit.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        // Take every descriptor maild has left, and more.
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        for _ in 0..<150 {
            let descriptor = ProtocolAbuseTests.connectRaw(harness.socketPath)
            if descriptor >= 0 { idle.append(descriptor) }
        }
        try await Task.sleep(for: .seconds(2))
        #expect(harness.maild?.isRunning == true, "maild died when it ran out of descriptors:\n\(harness.daemonLog.suffix(2000))")
        #expect(harness.daemonLog.contains("cannot accept control connections: maild's limit of 96 open files is exhausted"),
                "no clear error:\n\(harness.daemonLog.suffix(2000))")

        idle.forEach { close($0) }
        idle.removeAll()
        // The hello timeout frees what was accepted; what was refused frees itself.
        var answered = false
        for _ in 0..<150 where !answered {
            answered = try await harness.mailctl(["status", job]).status == 0
            if !answered { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(answered, "the control socket never came back:\n\(harness.daemonLog.suffix(2000))")
        let watch = try await harness.mailctl(["watch", job])
        #expect(watch.status == 0, "\(watch.standardOutput)\(watch.standardError)")
        #expect(Set(harness.relay.messages.flatMap(\.recipients)).count == count)
        #expect(harness.maild?.isRunning == true)
    }
}
