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

    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(microseconds)")
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

/// Socket activation: the descriptor systemd passed for maild.socket, if any.
public enum SocketActivation {
    public static func inheritedDescriptor() -> Int32? {
        let count = sd_listen_fds(1)
        guard count >= 1 else { return nil }
        let descriptor = SD_LISTEN_FDS_START
        guard sd_is_socket_unix(descriptor, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else { return nil }
        return descriptor
    }
}
