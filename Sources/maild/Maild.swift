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
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("maild: \(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        if checkConfig {
            print("maild: \(config): OK (\(configuration.accounts.count) account(s))")
            return
        }
        do {
            try await MailDaemon(configuration: configuration).runUntilSignalled()
        } catch {
            FileHandle.standardError.write(Data("maild: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
