import Foundation
import IPC
import Logging
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
        let store = StoreAccess(store: try QueueStore(path: configuration.databasePath))
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
        let jobs = JobService(store: store, settings: settings, logger: logger, wakeScheduler: {})
        let listener: IPCServer.Listener
        if let descriptor = SocketActivation.inheritedDescriptor() {
            listener = .inherited(descriptor: descriptor, path: configuration.socketPath)
        } else {
            listener = .path(configuration.socketPath, mode: configuration.socketMode, group: configuration.socketGroup)
        }
        let server = IPCServer(listener: listener, handler: jobs,
                               authorization: Authorization(adminGroup: configuration.adminGroup, clientGroup: configuration.clientGroup),
                               maximumClients: configuration.maximumClients, logger: logger)
        let serverTask = try await server.start()
        let status = StatusReporter(store: store, engine: engine, notifier: notifier)
        notifier.ready(status: await status.line())
        logger.info("maild ready", metadata: ["accounts": "\(settings.current.configuration.accounts.keys.sorted().joined(separator: ","))"])

        let terminate = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let reload = await UnixSignalsSequence(trapping: .sighup)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await engine.run() }
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
                    self.reload(settings: settings, throttle: throttle)
                    notifier.status(await status.line())
                }
            }
            group.addTask { await status.run() }
            group.addTask { await WatchdogPinger(notifier: notifier, store: store, engine: engine, logger: self.logger).run() }
            // The engine returns only after stop(); then nothing else needs to run.
            await group.next()
            await group.next()
            group.cancelAll()
        }
        serverTask.cancel()
        await committer.flush()
        await store.shutdown()
        logger.info("maild stopped; every outcome committed")
    }

    private func reload(settings: SettingsHolder, throttle: ThrottleCoordinator) {
        do {
            let configuration = try DaemonConfiguration.load(path: initialConfiguration.path)
            let runtime = try RuntimeSettings.make(configuration)
            settings.replace(with: runtime)
            Task { await throttle.updateLimits(runtime) }
            logger.info("configuration reloaded", metadata: ["accounts": "\(configuration.accounts.keys.sorted().joined(separator: ","))"])
        } catch {
            logger.error("configuration reload refused; the previous configuration stays in force", metadata: ["error": "\(error)"])
        }
    }
}
