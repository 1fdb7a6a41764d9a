import Foundation
import Logging

/// Keeps systemd's STATUS= line current: "3 jobs running, 1,240 msg/min, 2 jobs paused".
struct StatusReporter: Sendable {
    let store: StoreAccess
    let engine: DeliveryEngine
    let notifier: SystemdNotifier

    func line() async -> String {
        let jobs = (try? await store.run { try $0.jobs(includeFinished: false) }) ?? []
        let running = jobs.filter { $0.state == .running }.count
        let paused = jobs.filter { $0.state == .paused }.count
        var parts = ["\(running) job\(running == 1 ? "" : "s") running"]
        if paused > 0 { parts.append("\(paused) paused") }
        return parts.joined(separator: ", ")
    }

    func run() async {
        var lastSent = engine.activity.totalSent
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(10))
            let sent = engine.activity.totalSent
            let perMinute = (sent - lastSent) * 6
            lastSent = sent
            notifier.status(await line() + ", \(perMinute) msg/min")
        }
    }
}

/// WATCHDOG=1 at half the interval systemd asked for, but only while a real health check
/// passes: the store answers a query and the scheduler is not stuck.
struct WatchdogPinger: Sendable {
    let notifier: SystemdNotifier
    let store: StoreAccess
    let engine: DeliveryEngine
    let logger: Logging.Logger

    func run() async {
        guard let interval = notifier.watchdogInterval() else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: interval / 2)
            let healthy = await withTaskGroup(of: Bool.self) { group in
                group.addTask { (try? await store.run { _ = try $0.jobs(includeFinished: false); return true }) ?? false }
                group.addTask {
                    try? await Task.sleep(for: interval / 4)
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            if healthy && engine.isHealthy {
                notifier.watchdogPing()
            } else {
                logger.error("health check failed; withholding the watchdog ping so systemd restarts maild")
            }
        }
    }
}
