import CSystemd
import Foundation

/// Talks to the service manager through sd_notify (a no-op when NOTIFY_SOCKET is unset, so
/// the same binary runs under systemd and in a terminal).
public struct SystemdNotifier: Sendable {
    public init() {}

    /// READY=1: only once the database is open, migrations applied and the socket listening,
    /// so `systemctl start maild` returns when mailctl can actually connect.
    public func ready(status: String) {
        send("READY=1\nSTATUS=\(status)\nMAINPID=\(getpid())")
    }

    public func status(_ text: String) {
        send("STATUS=\(text)")
    }

    public func stopping(status: String) {
        send("STOPPING=1\nSTATUS=\(status)")
    }

    /// RELOADING=1 with the monotonic timestamp systemd 253+ uses to match the reload to the
    /// READY=1 that ends it (older managers ignore the field).
    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        send("RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=\(microseconds)")
    }

    /// Ends a reload, whether the new configuration was taken or refused: systemd waits for
    /// READY=1 after RELOADING=1 before `systemctl reload` returns.
    public func reloaded(status: String) {
        send("READY=1\nSTATUS=\(status)")
    }

    public func watchdogPing() {
        send("WATCHDOG=1")
    }

    /// The watchdog interval systemd asked for (WatchdogSec=), or nil when none.
    public func watchdogInterval() -> Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }

    private func send(_ state: String) {
        _ = sd_notify(0, state)
    }
}
