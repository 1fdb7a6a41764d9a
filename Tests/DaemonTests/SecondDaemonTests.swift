import Foundation
import Testing

/// A second maild started by hand beside a running one (the service, a forgotten terminal)
/// must refuse to start rather than share the queue or take the socket: two senders on one
/// database recover each other's in-flight claims and send them twice, and a maild that loses
/// its socket goes on sending with no way to control it.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct SecondDaemonTests {
    /// Runs a second maild (to its end) on the harness's configuration with one line changed.
    static func startTwin(of harness: DaemonHarness, replacing line: String, with replacement: String) async throws -> ToolRun {
        let config = try String(contentsOfFile: harness.configurationPath, encoding: .utf8).replacingOccurrences(of: line, with: replacement)
        let twinConfig = harness.directory.appendingPathComponent("twin.conf").path
        try config.write(toFile: twinConfig, atomically: true, encoding: .utf8)
        return try await runTool(DaemonHarness.binary("maild").path, ["--config", twinConfig])
    }

    @Test func aSecondMaildOnTheSameDatabaseRefusesToStartAndTouchesNothing() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let path = try harness.writeCampaign(count: 3, sendAt: "2099-01-01T00:00:00Z")
        #expect(try await harness.mailctl(["submit", path]).status == 0)

        // Same database, another socket.
        let twinSocket = harness.directory.appendingPathComponent("twin").path
        let twin = try await Self.startTwin(of: harness, replacing: "socket = \(harness.socketPath)", with: "socket = \(twinSocket)")
        #expect(twin.status == 1, "\(twin.errors)")
        let pid = try #require(harness.maild?.processIdentifier)
        #expect(twin.errors.contains("queue database \(harness.databasePath) is in use by maild (pid \(pid))"), "\(twin.errors)")
        #expect(twin.errors.contains("send the same messages twice"), "\(twin.errors)")
        #expect(!FileManager.default.fileExists(atPath: twinSocket), "the refused maild must not listen")

        // The first one is untouched and still answers.
        let list = try await harness.mailctl(["list"])
        #expect(list.status == 0 && list.standardOutput.contains("3"), "\(list.standardOutput)\(list.standardError)")

        // A lock left by a maild killed with SIGKILL is no lock: the kernel dropped it.
        await harness.kill(signal: SIGKILL)
        try await harness.startDaemon()
        #expect(try await harness.mailctl(["list"]).status == 0)
    }

    @Test func aSecondMaildOnTheSameSocketLeavesItToTheFirst() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()

        // Another database, the same socket.
        let otherDatabase = harness.directory.appendingPathComponent("other.db").path
        let twin = try await Self.startTwin(of: harness, replacing: "database = \(harness.databasePath)", with: "database = \(otherDatabase)")
        #expect(twin.status == 1, "\(twin.errors)")
        #expect(twin.errors.contains("another process (a running maild?) accepts connections on \(harness.socketPath)"), "\(twin.errors)")
        // The socket file is still the first maild's.
        #expect(try await harness.mailctl(["list"]).status == 0)

        // A socket file left by a maild that died is stale: the next maild replaces it.
        await harness.kill(signal: SIGKILL)
        #expect(FileManager.default.fileExists(atPath: harness.socketPath))
        try await harness.startDaemon()
        #expect(try await harness.mailctl(["list"]).status == 0)
    }
}
