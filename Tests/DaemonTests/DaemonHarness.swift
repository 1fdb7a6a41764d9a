import Foundation
import SMTPServer
import Testing

/// A real maild process on a temporary socket and database, relaying to the project's SMTP
/// server on an ephemeral loopback port, driven by the real mailctl binary.
final class DaemonHarness: @unchecked Sendable {
    let directory: URL
    let relay: SMTPTestServer
    let relayPort: Int
    var maild: Process?
    private(set) var logFile: URL
    var extraConfiguration = ""
    /// A command that execs maild (its path and arguments appended), e.g. to run it in a
    /// private mount namespace; empty to run maild directly.
    var launcher: [String] = []
    let databaseFolder: URL

    var socketPath: String { directory.appendingPathComponent("s").path }
    var databasePath: String { databaseFolder.appendingPathComponent("maild.db").path }
    var configurationPath: String { directory.appendingPathComponent("maild.conf").path }

    static func binary(_ name: String) -> URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent(name)
    }

    /// `daemonSettings` go into the [daemon] section, `extraConfiguration` into [delivery] (or
    /// after it, when it starts a section of its own).
    init(relay configuration: SMTPServerConfiguration = SMTPServerConfiguration(recordLimit: nil), concurrency: Int = 4, extraConfiguration: String = "",
         daemonSettings: String = "socket_mode = 0666", databaseSubfolder: String? = nil) async throws {
        // Short path: Unix socket paths are limited to 107 bytes.
        let directory = URL(fileURLWithPath: "/tmp/maild-t-\(UUID().uuidString.prefix(8))")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.databaseFolder = databaseSubfolder.map { directory.appendingPathComponent($0) } ?? directory
        try FileManager.default.createDirectory(at: self.databaseFolder, withIntermediateDirectories: true)
        relay = SMTPTestServer(configuration: configuration)
        relayPort = try await relay.start()
        logFile = directory.appendingPathComponent("maild.log")
        let text = """
        [daemon]
        socket = \(socketPath)
        \(daemonSettings)
        database = \(databasePath)
        hostname = maild.test

        [delivery]
        retry_base = 1s
        retry_cap = 2s
        max_attempts = 3
        \(extraConfiguration)

        [account test]
        host = 127.0.0.1
        port = \(relayPort)
        tls = none
        concurrency = \(concurrency)
        messages_per_connection = 500
        """
        try text.write(toFile: configurationPath, atomically: true, encoding: .utf8)
    }

    /// Starts maild and waits until its socket answers.
    func startDaemon() async throws {
        let process = Process()
        let arguments = ["--config", configurationPath, "--log-level", "debug"]
        if let command = launcher.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = Array(launcher.dropFirst()) + [Self.binary("maild").path] + arguments
        } else {
            process.executableURL = Self.binary("maild")
            process.arguments = arguments
        }
        if !FileManager.default.fileExists(atPath: logFile.path) { _ = FileManager.default.createFile(atPath: logFile.path, contents: nil) }
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        maild = process
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let probe = try await mailctl(["list"])
            if probe.status == 0 { return }
            guard process.isRunning else { throw HarnessError("maild exited during startup:\n\(daemonLog)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("maild did not answer within 30 s:\n\(daemonLog)")
    }

    func kill(signal: Int32 = SIGKILL) async {
        guard let maild else { return }
        Foundation.kill(maild.processIdentifier, signal)
        // Stops looking when the test is cancelled (its time limit): a process that survives
        // the signal must fail the test, not spin the runner.
        while maild.isRunning, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
    }

    var daemonLog: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    struct Output {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    func mailctl(_ arguments: [String], asUser uid: UInt32? = nil) async throws -> Output {
        let mailctl = Self.binary("mailctl").path
        let run = if let uid {
            try await runTool("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", mailctl] + arguments + ["--socket", socketPath])
        } else {
            try await runTool(mailctl, arguments + ["--socket", socketPath])
        }
        return Output(status: run.status, standardOutput: run.output, standardError: run.errors)
    }

    /// A campaign of `count` personalized recipients from a CSV file.
    func writeCampaign(count: Int, sendAt: String? = nil, name: String = "test") throws -> String {
        var csv = "email,first_name\n"
        for index in 1...count { csv += "user\(index)@example.com,User \(index)\n" }
        try csv.write(to: directory.appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
        var campaign: [String: Any] = [
            "name": name, "account": "test", "from": "Sender <sender@example.org>",
            "subject": "Hello {{first_name}}", "text": "Dear {{first_name}},\nthis is a test.\n", "recipients_file": "\(name).csv",
        ]
        if let sendAt { campaign["send_at"] = sendAt }
        let path = directory.appendingPathComponent("\(name).json").path
        try JSONSerialization.data(withJSONObject: campaign).write(to: URL(fileURLWithPath: path))
        return path
    }

    func stop() async {
        await kill(signal: SIGTERM)
        try? await relay.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
