import Foundation
import TestSupport
import Testing

/// maild.service's system-call filter and address families, checked against what maild really
/// does: the daemon runs under strace through a delivery, a reload and a stop, and every system
/// call and socket family it used must be one the unit allows. A new dependency that needs
/// more fails here, not in production under systemd.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SystemdSandboxTests {
    /// Calls outside the filter that are known and harmless there (they fail with EPERM).
    static let toleratedOutsideFilter: [String: String] = [
        "setpriority": "libdispatch adjusting a thread's nice value; an unprivileged user cannot raise priority anyway",
        "fchown": "SQLite gives new journal files to the database's owner, only when running as root (this test)",
    ]

    @Test func maildStaysInsideTheUnitsSystemCallFilterAndAddressFamilies() async throws {
        let strace = "/usr/bin/strace"
        try #require(FileManager.default.isExecutableFile(atPath: strace), "install Debian's strace package (scripts/install-deps.sh does)")
        let unit = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("systemd/maild.service"), encoding: .utf8)
        let allowed = try await Self.allowedSystemCalls(unit: unit)
        #expect(allowed.contains("epoll_wait") && !allowed.contains("mount") && !allowed.contains("setrlimit"), "\(allowed.count) allowed")

        let harness = try await DaemonHarness(concurrency: 1)
        defer { Task { await harness.stop() } }
        let trace = harness.directory.appendingPathComponent("trace")
        let process = try harness.launchDaemon(launcher: [strace, "-f", "-qq", "-o", trace.path])
        try await harness.waitUntilServing(process)
        let jobID = try await harness.submit(try harness.writeCampaign(count: 3))
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.standardOutput.contains("completed: 3 sent"), "\(watch.standardOutput)\(harness.daemonLog)")
        let maild = try #require(Self.children(of: process.processIdentifier).first)
        kill(maild, SIGHUP)
        try await waitUntil(.seconds(20), "the reload") { harness.daemonLog.contains("configuration reloaded") }
        kill(maild, SIGTERM)
        try await waitUntil(.seconds(30), "maild to stop") { !process.isRunning }

        // strace may still be writing its last lines when its exit is noticed: read until the
        // trace holds a delivery's worth of calls or 10 s pass.
        var calls: Set<String> = []
        var lines: [Substring] = []
        for _ in 0..<100 {
            // Decoded leniently: strace copies the first bytes of buffers (random keys, message
            // bodies cut mid-character), which need not be valid UTF-8.
            lines = String(decoding: (try? Data(contentsOf: trace)) ?? Data(), as: UTF8.self).split(separator: "\n")
            calls = Set(lines.compactMap(Self.systemCall))
            if calls.count > 30 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: trace.path)[.size] as? Int) ?? nil
        #expect(calls.count > 30, "strace saw only \(calls.sorted()) (trace: \(size.map { "\($0) bytes" } ?? "missing"), strace exit \(process.terminationStatus); first line: \(lines.first.map(String.init) ?? "none")); log:\n\(harness.daemonLog.suffix(3000))")
        let outside = calls.subtracting(allowed).subtracting(Self.toleratedOutsideFilter.keys).sorted()
        #expect(outside.isEmpty, "maild made system calls maild.service's SystemCallFilter= refuses: \(outside)")

        let families = Set(lines.compactMap(Self.socketFamily))
        let permitted = Set(try #require(unit.split(separator: "\n").first { $0.hasPrefix("RestrictAddressFamilies=") })
            .dropFirst("RestrictAddressFamilies=".count).split(separator: " ").map(String.init))
        #expect(!families.isEmpty && families.isSubset(of: permitted), "socket families used: \(families.sorted()), allowed: \(permitted.sorted())")
    }

    /// The trace parser itself: a 4-digit pid is padded with a second space (a clean clone's
    /// run got pids that short, and every line was skipped).
    @Test func traceLinesAreReadWhateverThePidWidth() {
        #expect(Self.systemCall("12345 openat(AT_FDCWD, \"/etc\", O_RDONLY) = 3") == "openat")
        #expect(Self.systemCall("5970  execve(\"/usr/bin/maild\", [...]) = 0") == "execve")
        #expect(Self.systemCall("5970  <... epoll_wait resumed>[], 64, 100) = 0") == nil)
        #expect(Self.systemCall("5970  --- SIGTERM {si_signo=SIGTERM} ---") == nil)
        #expect(Self.socketFamily("5970  socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 7") == "AF_UNIX")
    }

    /// "1234 openat(AT_FDCWD, ..." -> "openat"; resumptions, signals and exits are skipped.
    static func systemCall(_ line: Substring) -> String? {
        // strace pads the pid column ("5970  execve(" when pids are shorter than usual).
        let fields = line.split(separator: " ", maxSplits: 1)
        guard fields.count == 2 else { return nil }
        let call = fields[1].drop { $0 == " " }
        guard let open = call.firstIndex(of: "(") else { return nil }
        let name = call[..<open]
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return String(name)
    }

    /// "socket(AF_INET6, SOCK_STREAM..." -> "AF_INET6".
    static func socketFamily(_ line: Substring) -> String? {
        guard let range = line.range(of: " socket(") else { return nil }
        return line[range.upperBound...].split(separator: ",").first.map(String.init)
    }

    /// The unit's SystemCallFilter= lines applied in order, each group expanded through
    /// `systemd-analyze syscall-filter`: an allow list, then `~` lines taking groups out.
    static func allowedSystemCalls(unit: String) async throws -> Set<String> {
        let listing = try await runTool("/usr/bin/systemd-analyze", ["syscall-filter"])
        var groups: [String: [String]] = [:]
        var current: String?
        for line in listing.output.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            if line.hasPrefix("@") {
                current = text
                groups[text] = []
            } else if let current {
                groups[current, default: []].append(String(text.split(separator: " ")[0]))
            }
        }
        func expand(_ name: String) -> Set<String> {
            guard name.hasPrefix("@") else { return [name] }
            return (groups[name] ?? []).reduce(into: Set<String>()) { $0.formUnion(expand($1)) }
        }
        var allowed: Set<String> = []
        for line in unit.split(separator: "\n") where line.hasPrefix("SystemCallFilter=") {
            var value = line.dropFirst("SystemCallFilter=".count)
            let removing = value.hasPrefix("~")
            if removing { value = value.dropFirst() }
            let names = value.split(separator: " ").reduce(into: Set<String>()) { $0.formUnion(expand(String($1))) }
            if removing { allowed.subtract(names) } else { allowed.formUnion(names) }
        }
        return allowed
    }

    static func children(of pid: Int32) -> [Int32] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0) }
    }
}
