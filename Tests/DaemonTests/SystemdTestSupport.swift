import Foundation
import Synchronization
import Testing

/// The service manager's end of sd_notify: a datagram socket a test binds and names in
/// NOTIFY_SOCKET, read on a thread of its own so the daemon never blocks on a full queue
/// (net.unix.max_dgram_qlen is only 10).
final class NotifySocket: Sendable {
    struct Message: Sendable {
        var at: ContinuousClock.Instant
        var fields: [String: String]
        var text: String

        subscript(key: String) -> String? { fields[key] }
    }

    let path: String
    private let descriptor: Int32
    private let received = Mutex<[Message]>([])
    private let stopped = Atomic<Bool>(false)

    init(directory: URL) throws {
        path = directory.appendingPathComponent("notify").path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket(AF_UNIX, SOCK_DGRAM): \(String(cString: strerror(errno)))") }
        try withUnixAddress(path) { address, length in
            guard bind(descriptor, address, length) == 0 else {
                throw HarnessError("bind \(path): \(String(cString: strerror(errno)))")
            }
        }
        // A short receive timeout lets the reader notice close() without another wake-up.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in readUntilClosed() }
        thread.start()
    }

    private func readUntilClosed() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !stopped.load(ordering: .relaxed) {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let text = String(decoding: buffer[..<count], as: UTF8.self)
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            let message = Message(at: .now, fields: fields, text: text)
            received.withLock { $0.append(message) }
        }
        Glibc.close(descriptor)
    }

    var messages: [Message] { received.withLock { $0 } }

    /// The first message from index `start` on that matches, waiting up to `timeout`.
    func first(from start: Int = 0, timeout: Duration = .seconds(30), where matches: (Message) -> Bool) async throws -> (index: Int, message: Message) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let all = messages
            if start < all.count, let index = all[start...].firstIndex(where: matches) { return (index, all[index]) }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("no matching sd_notify message within \(timeout); received:\n" + messages.map(\.text).joined(separator: "\n--\n"))
    }

    func close() {
        stopped.store(true, ordering: .relaxed)
    }
}

/// Calls `body` with `path` as a sockaddr_un.
func withUnixAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) throws -> T {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw HarnessError("socket path too long: \(path)") }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes) }
    return try withUnsafePointer(to: &address) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}

/// True when a stream connection to the Unix socket at `path` succeeds right now.
func unixSocketAcceptsConnections(_ path: String) -> Bool {
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    return (try? withUnixAddress(path) { connect(descriptor, $0, $1) == 0 }) ?? false
}

/// A finished helper process: exit status and what it printed.
struct ToolRun {
    var status: Int32
    var output: String
    var errors: String
}

/// Runs a tool to completion with its output captured in files (pipes could fill up).
func runTool(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
             directory: URL? = nil) async throws -> ToolRun {
    let scratch = URL(fileURLWithPath: "/tmp/maild-tool-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("out")
    let err = scratch.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    process.standardInput = FileHandle.nullDevice
    let outHandle = try FileHandle(forWritingTo: out)
    let errHandle = try FileHandle(forWritingTo: err)
    process.standardOutput = outHandle
    process.standardError = errHandle
    try process.run()
    while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
    try? outHandle.close()
    try? errHandle.close()
    return ToolRun(status: process.terminationStatus,
                   output: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                   errors: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// Polls `condition` until it holds or `timeout` passes.
func waitUntil(_ timeout: Duration = .seconds(30), _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw HarnessError("timed out after \(timeout) waiting for \(what)")
}

extension DaemonHarness {
    /// A launcher for tools that exec again (systemd-socket-activate becoming maild, unshare
    /// becoming a shell). Started straight from the test, such a child leaves Foundation unable
    /// to reap the test's other children (every later mailctl call hangs), and it inherits the
    /// spawning thread's blocked signals (a shell's `wait` then never returns). This python
    /// stays the direct child: it unblocks signals, runs the command, forwards SIGTERM and
    /// SIGHUP, and exits with the command's status.
    static let reaper = ["/usr/bin/python3", "-c", """
        import os, signal, sys
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        pid = os.fork()
        if pid == 0:
            os.execv(sys.argv[1], sys.argv[1:])
        signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGTERM))
        signal.signal(signal.SIGHUP, lambda *_: os.kill(pid, signal.SIGHUP))
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
        """]

    /// The environment maild gets: this process's, without anything systemd would set, plus
    /// `extra` (NOTIFY_SOCKET, WATCHDOG_USEC, JOURNAL_STREAM...).
    static func daemonEnvironment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
                    "JOURNAL_STREAM", "CREDENTIALS_DIRECTORY"] {
            environment[key] = nil
        }
        environment.merge(extra) { $1 }
        return environment
    }

    /// Starts maild, or `launcher` with maild's command line appended (systemd-socket-activate,
    /// a shell), with `environment` added; returns at once. Output goes to the daemon log.
    @discardableResult
    func launchDaemon(environment extra: [String: String] = [:], launcher: [String] = []) throws -> Process {
        let process = Process()
        let command = [Self.binary("maild").path, "--config", configurationPath, "--log-level", "debug"]
        let full = launcher + command
        process.executableURL = URL(fileURLWithPath: full[0])
        process.arguments = Array(full.dropFirst())
        process.environment = Self.daemonEnvironment(extra)
        if !FileManager.default.fileExists(atPath: logFile.path) { _ = FileManager.default.createFile(atPath: logFile.path, contents: nil) }
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        maild = process
        return process
    }

    /// Waits until mailctl gets an answer (the daemon is up and serving).
    func waitUntilServing(_ process: Process) async throws {
        try await waitUntil(.seconds(30), "maild to answer mailctl") {
            guard process.isRunning else { throw HarnessError("maild exited (status \(process.terminationStatus)):\n\(daemonLog)") }
            return try await mailctl(["list"]).status == 0
        }
    }

    /// A campaign of `count` recipients on `account`, with the recipients inline.
    func writeCampaign(count: Int, account: String, name: String) throws -> String {
        let recipients = (1...count).map { ["email": "\(name)\($0)@example.com"] }
        let campaign: [String: Any] = [
            "name": name, "account": account, "from": "Sender <sender@example.org>",
            "subject": "Hello", "text": "Hello from \(name).\n", "recipients": recipients,
        ]
        let path = directory.appendingPathComponent("\(name).json").path
        try JSONSerialization.data(withJSONObject: campaign).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Submits a campaign file and returns the job id.
    func submit(_ campaign: String) async throws -> String {
        let submit = try await mailctl(["submit", campaign])
        guard submit.status == 0 else { throw HarnessError("mailctl submit failed: \(submit.standardError)\n\(daemonLog)") }
        return submit.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The job's state and counts from `mailctl status --json`.
    func jobStatus(_ jobID: String) async throws -> (state: String, sent: Int) {
        let status = try await mailctl(["status", jobID, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any]
        let state = object?["state"] as? String ?? "?"
        let sent = (object?["counts"] as? [String: Any])?["sent"] as? Int ?? -1
        return (state, sent)
    }

    /// Rewrites the configuration file; `edit` gets and returns its text.
    func editConfiguration(_ edit: (String) -> String) throws {
        let text = try String(contentsOfFile: configurationPath, encoding: .utf8)
        try edit(text).write(toFile: configurationPath, atomically: true, encoding: .utf8)
    }
}
