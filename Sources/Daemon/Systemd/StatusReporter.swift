import Foundation
import Queue
import Synchronization

/// Keeps systemd's STATUS= line current, so `systemctl status maild` answers "is it sending?"
/// at a glance: "3 jobs running, 1,240 msg/min, 2 accounts paused".
struct StatusReporter: Sendable {
    let store: StoreAccess
    let engine: DeliveryEngine
    let notifier: SystemdNotifier
    /// How often the line is refreshed; systemd keeps only the latest, so more is only noise.
    var period: Duration = .seconds(5)
    let rate = SendRate()

    /// The line as of now; job states come from the store, the rate from the engine's counter.
    func line() async -> String {
        let (jobs, pausedAccounts) = (try? await store.run { store in
            (try store.jobs(includeFinished: false), try store.pausedAccounts())
        }) ?? ([], [:])
        return Self.summary(jobs: jobs, pausedAccounts: pausedAccounts, messagesPerMinute: rate.perMinute(totalSent: engine.activity.totalSent))
    }

    /// - Parameter pausedAccounts: the accounts taken out of unfinished jobs, with those jobs.
    static func summary(jobs: [JobRecord], pausedAccounts: [String: Set<Int64>], messagesPerMinute: Int) -> String {
        let running = jobs.filter { $0.state == .running }.count
        let paused = jobs.filter { $0.state == .paused }
        // An account refused by its relay is taken out of all its jobs; it counts once, because
        // one fix (a password, a quota) serves them all, and so do the jobs it paused.
        let pausedByAccount = pausedAccounts.values.reduce(into: Set<Int64>()) { $0.formUnion($1) }
        let accounts = pausedAccounts.count
        let otherPaused = paused.filter { !pausedByAccount.contains($0.id) }.count
        var parts = [counted(running, "job") + " running", "\(grouped(messagesPerMinute)) msg/min"]
        if otherPaused > 0 { parts.append(counted(otherPaused, "job") + " paused") }
        if accounts > 0 { parts.append(counted(accounts, "account") + " paused") }
        return parts.joined(separator: ", ")
    }

    static func counted(_ count: Int, _ noun: String) -> String {
        "\(grouped(count)) \(noun)\(count == 1 ? "" : "s")"
    }

    /// 1240 -> "1,240", independent of the machine's locale (the line is read in logs and
    /// bug reports, not localized).
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            if Task.isCancelled { return }
            notifier.status(await line())
        }
    }
}

/// Messages sent during the last minute, from samples of the engine's running total: a real
/// count over a sliding minute, not an extrapolation of the last few seconds.
final class SendRate: Sendable {
    private let samples = Mutex<[(at: ContinuousClock.Instant, total: Int)]>([])

    func perMinute(totalSent: Int, now: ContinuousClock.Instant = .now) -> Int {
        samples.withLock { samples in
            samples.append((now, totalSent))
            // Keep the newest sample at least a minute old as the baseline.
            while samples.count > 1, now - samples[1].at >= .seconds(60) { samples.removeFirst() }
            return totalSent - samples[0].total
        }
    }
}
