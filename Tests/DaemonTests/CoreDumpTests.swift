import Foundation
import Glibc
import Testing

/// maild holds account secrets in memory, so it marks itself not dumpable at startup
/// (`ProcessHardening`): a crash writes no core file, whatever the core size limit, and
/// processes of its own user cannot read its memory or attach a debugger. Each test checks a
/// dumpable process started the same way first, so a pass means the protection, not the
/// machine, stopped the dump.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CoreDumpTests {
    /// Root's CAP_SYS_PTRACE would let it read any process, dumpable or not, so as root every
    /// process here (control, maild and the reader) runs without it; the kernel then lets the
    /// reader in only when the target is dumpable and holds no capability the reader lacks.
    static var withoutPtraceCapability: [String] {
        getuid() == 0 ? ["/usr/bin/setpriv", "--bounding-set=-sys_ptrace", "--inh-caps=-sys_ptrace", "--"] : []
    }

    /// Runs `command` (path and arguments) from `folder` as a crash would find a service:
    /// no core size limit up to the hard one, no blocked or ignored signals. The test runner's
    /// threads block most signals and Foundation's Process passes that mask on; Python is the
    /// one tool at hand that can clear it before exec.
    static func launcher(in folder: URL) -> [String] {
        let script = """
            import os, resource, signal, sys
            hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
            resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
            for number in signal.valid_signals():
                try: signal.signal(number, signal.SIG_DFL)
                except (OSError, ValueError): pass
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            os.chdir(sys.argv[1])
            os.execv(sys.argv[2], sys.argv[2:])
            """
        return withoutPtraceCapability + ["/usr/bin/python3", "-c", script, folder.path]
    }

    static func start(_ arguments: [String], in folder: URL) throws -> Process {
        try run(launcher(in: folder) + arguments)
    }

    /// Starts `command` (path and arguments) with its output discarded.
    static func run(_ command: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Whether a process of the caller's uid, with no more capabilities than the processes it
    /// looks at, may open `pid`'s memory (/proc/PID/mem): the kernel's ptrace attach check, the
    /// one a debugger meets, which a process that is not dumpable fails. (As root, the /proc
    /// files that only check file permissions, such as environ and fd, stay readable.)
    static func sameUserCanOpenMemory(_ pid: Int32) throws -> Bool {
        let process = try run(withoutPtraceCapability + ["/bin/dd", "if=/proc/\(pid)/mem", "count=0", "status=none"])
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static func coreFiles(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix("core") }
    }

    /// Core files land in the working directory only with a plain core_pattern and a hard
    /// limit that allows them; elsewhere the other test still checks the flag.
    static var coresAreWrittenHere: Bool {
        let pattern = (try? String(contentsOfFile: "/proc/sys/kernel/core_pattern", encoding: .utf8)) ?? "|"
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
        return !pattern.hasPrefix("|") && !pattern.hasPrefix("/") && limit.rlim_max > 0
    }

    @Test func itsOwnUserCannotReadMaildsMemory() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        let control = try Self.start(["/bin/sleep", "30"], in: harness.directory)
        defer { control.terminate() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(try Self.sameUserCanOpenMemory(control.processIdentifier), "the control process's memory should open")
        harness.launcher = Self.launcher(in: harness.directory)
        try await harness.startDaemon()
        let maild = try #require(harness.maild)
        #expect(try !Self.sameUserCanOpenMemory(maild.processIdentifier), "maild's /proc/PID/mem opened: it is dumpable")
    }

    /// SIGXCPU, whose default action is a core dump and which nothing in maild catches: the
    /// Swift runtime's crash handler takes SIGSEGV, SIGQUIT and the other fault signals and,
    /// when one came from kill(2) rather than a fault, returns and lets the process run on, so
    /// those cannot stand in for a crash. A real fault meets the same kernel check.
    @Test(.enabled(if: coresAreWrittenHere, "core files do not go to the working directory on this machine"))
    func aCrashingMaildWritesNoCoreFile() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        let controlFolder = harness.directory.appendingPathComponent("control")
        try FileManager.default.createDirectory(at: controlFolder, withIntermediateDirectories: true)
        let control = try Self.start(["/bin/sleep", "30"], in: controlFolder)
        try await Task.sleep(for: .milliseconds(200))
        kill(control.processIdentifier, SIGXCPU)
        control.waitUntilExit()
        #expect(!Self.coreFiles(in: controlFolder).isEmpty, "the control process left no core file")

        let crashFolder = harness.directory.appendingPathComponent("crash")
        try FileManager.default.createDirectory(at: crashFolder, withIntermediateDirectories: true)
        harness.launcher = Self.launcher(in: crashFolder)
        try await harness.startDaemon()
        await harness.kill(signal: SIGXCPU)
        #expect(harness.maild?.isRunning == false, "maild survived SIGXCPU")
        #expect(Self.coreFiles(in: crashFolder).isEmpty, "maild left a core file: \(Self.coreFiles(in: crashFolder))")
    }
}
