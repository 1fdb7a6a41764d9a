import Foundation
import IPC
import Logging
import NIOPosix
import Queue
import ServiceLifecycle
import UnixSignals

/// maild from start to stop: open the store (integrity check, migrations), recover what a
/// crash left in flight, listen, tell systemd we are ready, deliver until SIGTERM, then let
/// the transactions under way finish and commit every outcome.
public final class MailDaemon: Sendable {
    private let initialConfiguration: DaemonConfiguration
    private let logger = Logger(label: "maild")

    public init(configuration: DaemonConfiguration) {
        initialConfiguration = configuration
    }

    public func runUntilSignalled() async throws {
        let notifier = SystemdNotifier()
        let settings = SettingsHolder(try RuntimeSettings.make(initialConfiguration))
        let configuration = initialConfiguration
        try? FileManager.default.createDirectory(atPath: (configuration.databasePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // Before the store is opened (its integrity check, write probe and migrations) and
        // before anything is recovered: a second maild must not touch the first one's queue.
        // A lock that cannot be made at all (a missing or unwritable folder) is reported after
        // the store's own checks, which say more about such a folder.
        var ownership: DatabaseOwnership?
        var lockProblem: DatabaseOwnership.Failure?
        do {
            ownership = try DatabaseOwnership(database: configuration.databasePath)
        } catch .heldByAnother(let lockPath, let database, let owner) {
            throw DatabaseOwnership.Failure.heldByAnother(lockPath: lockPath, database: database, owner: owner)
        } catch {
            lockProblem = error
        }
        let queue = try QueueStore(path: configuration.databasePath)
        if let lockProblem { throw lockProblem }
        defer { withExtendedLifetime(ownership) {} }
        let store = StoreAccess(store: queue)
        let discarded = try await store.run { try $0.discardStaleSubmissions() }
        let recovered = try await store.run { try $0.recoverInFlight() }
        logger.info("queue open", metadata: [
            "database": "\(configuration.databasePath)", "recovered_in_flight": "\(recovered)", "discarded_uploads": "\(discarded.count)",
        ])
        let storageLogger = logger
        let committer = OutcomeCommitter(store: store.store) { problem in
            if let problem {
                storageLogger.error("cannot record delivery outcomes: sending waits until the database can be written again; nothing is lost",
                                    metadata: ["reason": "\(problem)"])
            } else {
                storageLogger.notice("the database can be written again: sending resumes")
            }
        }
        let throttle = ThrottleCoordinator(settings: settings.current, store: store.store)
        let engine = DeliveryEngine(store: store, settings: settings, committer: committer, throttle: throttle, logger: logger)
        let jobs = JobService(store: store, settings: settings, logger: logger, wakeScheduler: { engine.work.signal() },
                              jobResumed: { engine.jobResumed($0) }, jobHalted: { engine.noteHalted(jobID: $0) },
                              jobCancelled: { engine.jobCancelled($0) })
        let listener: IPCServer.Listener
        if let descriptor = SocketActivation.inheritedDescriptor() {
            listener = .inherited(descriptor: descriptor, path: configuration.socketPath)
            // systemd made the socket file (maild.socket); maild leaves its permissions alone.
            let mismatches = SocketActivation.permissionMismatches(path: configuration.socketPath, mode: configuration.socketMode,
                                                                   group: configuration.socketGroup)
            if !mismatches.isEmpty {
                logger.notice("the socket systemd passed differs from maild.conf; set SocketMode= and SocketGroup= in maild.socket to match",
                              metadata: ["socket": "\(configuration.socketPath)", "differences": "\(mismatches.joined(separator: "; "))"])
            }
        } else {
            listener = .path(configuration.socketPath, mode: configuration.socketMode, group: configuration.socketGroup)
        }
        let server = IPCServer(listener: listener, handler: jobs,
                               authorization: Authorization(adminGroup: configuration.adminGroup, clientGroup: configuration.clientGroup),
                               maximumClients: configuration.maximumClients, logger: logger)
        // Event loops need descriptors (epoll, eventfd, timerfd) and NIO stops the process if
        // it cannot get them: both groups are created now, not at the first SMTP connection,
        // which may come when every descriptor is taken.
        _ = MultiThreadedEventLoopGroup.singleton.next()
        _ = ControlPlaneExecutor.shared.eventLoop
        await engine.pauseJobsOfUnconfiguredAccounts(configured: Set(configuration.accounts.keys))
        let serverTask = try await server.start()
        let status = StatusReporter(store: store, engine: engine, notifier: notifier)
        notifier.ready(status: await status.line())
        logger.info("maild ready", metadata: ["accounts": "\(settings.current.configuration.accounts.keys.sorted().joined(separator: ","))"])

        let terminate = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let reload = await UnixSignalsSequence(trapping: .sighup)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in terminate {
                    self.logger.info("stopping: finishing the SMTP transactions under way")
                    notifier.stopping(status: "stopping: finishing transactions under way")
                    engine.stop()
                    server.close()
                    return
                }
            }
            group.addTask {
                for await _ in reload {
                    notifier.reloading()
                    await self.reload(settings: settings, throttle: throttle, engine: engine)
                    notifier.reloaded(status: await status.line())
                }
            }
            group.addTask { await status.run() }
            group.addTask {
                await WatchdogPinger(notifier: notifier, check: HealthCheck(store: store, engine: engine), logger: self.logger).run()
            }
            // The engine runs here, not as a child: it returns only after stop() (SIGTERM), once
            // the transactions under way are done, their outcomes committed and unsent claims
            // handed back. Only then are the helpers cancelled. Waiting for "the second child to
            // finish" instead cancelled the engine mid-drain whenever a helper had already
            // returned, as the watchdog pinger does at once without WATCHDOG_USEC.
            await engine.run()
            group.cancelAll()
        }
        serverTask.cancel()
        await committer.flush()
        await store.shutdown()
        logger.info("maild stopped; every outcome committed")
    }

    /// SIGHUP: the whole file is read and checked again, with everything derived from it (TLS
    /// contexts, DKIM keys, classification rules, secrets); it replaces the running settings only
    /// if all of it is valid. Jobs keep running: workers read the settings before every claim.
    private func reload(settings: SettingsHolder, throttle: ThrottleCoordinator, engine: DeliveryEngine) async {
        let previous = settings.current.configuration
        let previousSecret = settings.current.unsubscribeSecret
        do {
            let configuration = try DaemonConfiguration.load(path: initialConfiguration.path)
            let runtime = try RuntimeSettings.make(configuration)
            settings.replace(with: runtime)
            if runtime.unsubscribeSecret != previousSecret {
                logger.warning("the unsubscribe key changed: the links in messages already sent carry tokens of the old key, which mailctl unsubscribe now refuses; put the old key back unless this is intended",
                               metadata: ["unsubscribe_key_file": "\(configuration.unsubscribeKeyFile ?? "(beside the database)")"])
            }
            await throttle.updateLimits(runtime)
            let added = Set(configuration.accounts.keys).subtracting(previous.accounts.keys).sorted()
            let removed = Set(previous.accounts.keys).subtracting(configuration.accounts.keys).sorted()
            logger.info("configuration reloaded", metadata: [
                "accounts": "\(configuration.accounts.keys.sorted().joined(separator: ","))",
                "added": "\(added.joined(separator: ","))", "removed": "\(removed.joined(separator: ","))",
            ])
            if !removed.isEmpty { await engine.pauseJobsOfUnconfiguredAccounts(configured: Set(configuration.accounts.keys)) }
            for key in Self.restartOnlyChanges(from: initialConfiguration, to: configuration) {
                logger.notice("\(key) changed; it takes effect at the next restart (systemctl restart maild)")
            }
        } catch {
            let problems = error.problems.map(\.description)
            logger.error("configuration reload refused; the previous configuration stays in force", metadata: [
                "problems": "\(problems.count)", "file": "\(initialConfiguration.path)",
            ])
            for problem in problems {
                logger.error("configuration problem: \(problem)")
            }
        }
    }

    /// Settings bound at startup (the socket is listening, the database open) that a reload
    /// cannot change.
    static func restartOnlyChanges(from old: DaemonConfiguration, to new: DaemonConfiguration) -> [String] {
        var keys: [String] = []
        if old.socketPath != new.socketPath { keys.append("[daemon] socket") }
        if old.socketMode != new.socketMode { keys.append("[daemon] socket_mode") }
        if old.socketGroup != new.socketGroup { keys.append("[daemon] socket_group") }
        if old.databasePath != new.databasePath { keys.append("[daemon] database") }
        if old.maximumClients != new.maximumClients { keys.append("[daemon] max_clients") }
        if old.clientGroup != new.clientGroup || old.adminGroup != new.adminGroup { keys.append("[daemon] client_group/admin_group") }
        return keys
    }
}
