import ArgumentParser
import Daemon
import Foundation
import Logging

/// maild: the bulk-mail daemon. Everything lives in the Daemon module; this is the command line.
@main
struct Maild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maild",
        abstract: "Bulk-mail sending daemon: durable queue, SMTP delivery with backoff and throttling.",
        discussion: """
        Controlled with mailctl over a Unix socket. Runs under systemd (Type=notify, socket \
        activation, watchdog) or in a terminal. SIGTERM finishes the SMTP transactions under way \
        and stops; SIGHUP reloads the configuration. See docs/operations.md.
        """
    )

    @Option(name: .shortAndLong, help: "Configuration file.")
    var config: String = "/etc/maild/maild.conf"

    @Flag(name: .customLong("check-config"), help: "Check the configuration, print every problem, and exit.")
    var checkConfig = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level \(logLevel): expected one of trace, debug, info, notice, warning, error, critical")
        }
        DaemonLogging.bootstrap(level: level)
        // Before any secret is read: no core file, no debugger of the same user.
        if let problem = ProcessHardening.forbidCoreDumpsAndTracing() {
            Logger(label: "maild").warning("cannot mark maild not dumpable: a crash could write secrets to a core file",
                                           metadata: ["error": "\(problem)"])
        }
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(path: config)
            if checkConfig { try Self.checkDerivedSettings(configuration) }
        } catch {
            FileHandle.standardError.write(Data("maild: \(error)\n".utf8))
            throw ExitCode(Self.configurationErrorStatus)
        }
        if checkConfig {
            print("maild: \(config): OK (\(configuration.accounts.count) account(s))")
            return
        }
        do {
            try await MailDaemon(configuration: configuration).runUntilSignalled()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("maild: \(error)\n".utf8))
            throw ExitCode(Self.configurationErrorStatus)
        } catch {
            FileHandle.standardError.write(Data("maild: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Builds what startup and reload build from the file (TLS contexts, DKIM keys, the
    /// classification rules), so --check-config refuses exactly what maild would. The
    /// unsubscribe key maild generates beside the database is maild's to create, as its own
    /// user: a check run as root must not leave a root-owned key behind, so it uses a
    /// throwaway one.
    static func checkDerivedSettings(_ configuration: DaemonConfiguration) throws {
        var checked = configuration
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("maild-check-\(getpid()).key")
        defer { try? FileManager.default.removeItem(at: scratch) }
        if checked.unsubscribeKeyFile == nil {
            guard FileManager.default.createFile(atPath: scratch.path, contents: Data(repeating: 0, count: 32),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw ValidationError("cannot write \(scratch.path) for the check; set TMPDIR to a writable folder")
            }
            checked.unsubscribeKeyFile = scratch.path
        }
        _ = try RuntimeSettings.make(checked)
    }

    /// EX_CONFIG (sysexits.h): maild.service's RestartPreventExitStatus= names it, so systemd
    /// does not restart a daemon whose configuration cannot work.
    static let configurationErrorStatus: Int32 = 78
}
