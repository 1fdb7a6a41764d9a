import Foundation
import Testing

/// Socket activation through systemd's own tool: systemd-socket-activate listens, starts maild
/// on the first connection with the socket as fd 3 (LISTEN_FDS=1), and mailctl's first request
/// is answered through it.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SocketActivationTests {
    @Test func mailctlTalksToMaildThroughThePassedSocket() async throws {
        let activate = "/usr/bin/systemd-socket-activate"
        try #require(FileManager.default.isExecutableFile(atPath: activate), "install Debian's systemd package (scripts/install-deps.sh does)")
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        let process = try harness.launchDaemon(launcher: DaemonHarness.reaper + [activate, "--listen", harness.socketPath, "--fdname=control"])
        try await waitUntil(.seconds(30), "systemd-socket-activate to listen") {
            guard process.isRunning else { throw HarnessError("systemd-socket-activate exited:\n\(harness.daemonLog)") }
            return FileManager.default.fileExists(atPath: harness.socketPath)
        }
        let inode = try Self.inode(harness.socketPath)
        #expect(!harness.daemonLog.contains("maild ready"), "maild started before anyone connected")

        // The first connection starts maild; its answer comes through the passed socket.
        let list = try await harness.mailctl(["list"])
        #expect(list.status == 0, "\(list.standardError)\n\(harness.daemonLog)")
        let jobID = try await harness.submit(try harness.writeCampaign(count: 5))
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.standardOutput.contains("completed: 5 sent, 0 failed"), "\(watch.standardOutput)\(harness.daemonLog)")

        #expect(harness.daemonLog.contains("listening for mailctl on the socket systemd passed"), "\(harness.daemonLog)")
        // maild neither removed nor re-bound the file systemd made.
        #expect(try Self.inode(harness.socketPath) == inode)
        // systemd-socket-activate made the file 0644, maild.conf says 0666: maild says so.
        #expect(harness.daemonLog.contains("differs from maild.conf"), "\(harness.daemonLog)")

        kill(process.processIdentifier, SIGTERM)
        try await waitUntil(.seconds(30), "maild to stop") { !process.isRunning }
        #expect(process.terminationStatus == 0, "\(harness.daemonLog)")
    }

    static func inode(_ path: String) throws -> UInt64 {
        var status = stat()
        guard stat(path, &status) == 0 else { throw HarnessError("stat \(path): \(String(cString: strerror(errno)))") }
        return UInt64(status.st_ino)
    }
}
