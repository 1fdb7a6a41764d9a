import Foundation
import Logging

/// WATCHDOG=1 at half the interval systemd asked for (WatchdogSec=), but only while the
/// ``HealthCheck`` passes: a daemon whose store or scheduler is stuck stops pinging, and
/// systemd restarts it (Restart=on-failure covers watchdog timeouts).
struct WatchdogPinger: Sendable {
    let notifier: SystemdNotifier
    let check: HealthCheck
    let logger: Logger

    func run() async {
        guard let interval = notifier.watchdogInterval() else { return }
        let period = interval / 2
        let state = HealthState()
        // One probe first, so the first ping (right after READY=1) reflects a real check.
        state.probeStarted()
        state.probeFinished(failure: await check.failure())
        await withDiscardingTaskGroup { group in
            // Probes run twice per ping, on their own task: a probe stuck on a lock must not
            // delay the pinger, whose silence is the whole point.
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: period / 2)
                    state.probeStarted()
                    state.probeFinished(failure: await check.failure())
                }
            }
            var failing = false
            while !Task.isCancelled {
                switch state.verdict(maximumAge: period) {
                case .healthy:
                    notifier.watchdogPing()
                    if failing {
                        failing = false
                        logger.notice("health check passes again; watchdog pings resume")
                    }
                case .failing(let reason):
                    if !failing {
                        failing = true
                        logger.error("health check failed; withholding the watchdog ping so systemd restarts maild if it persists",
                                     metadata: ["reason": "\(reason)"])
                    }
                }
                try? await Task.sleep(for: period)
            }
            group.cancelAll()
        }
    }
}
