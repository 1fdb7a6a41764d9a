import Foundation
import IPC

/// Turns successive job statuses into what a watcher sees: a one-line bar redrawn in place on
/// a terminal, or a plain line per change (at most one a second) in a log or pipe.
struct ProgressRenderer {
    enum Style { case bar, lines, json }

    let style: Style
    let width: Int
    private var samples: [(time: Date, done: Int)] = []
    private var lastLine: Date = .distantPast
    private var lastCounts: RecipientCounts?
    /// What the last non-empty line or JSON event showed: the daemon ends a watch with the job
    /// as its last event already had it, which is printed once, not twice.
    private var lastShown: JobStatus?

    init(style: Style, width: Int = 30) {
        self.style = style
        self.width = width
    }

    /// Text to write for this status (maybe empty).
    mutating func render(_ status: JobStatus, now: Date = Date(), final: Bool = false) -> String {
        let done = status.counts.done
        samples.append((now, done))
        samples.removeAll { now.timeIntervalSince($0.time) > 30 }
        switch style {
        case .json:
            if final, status == lastShown { return "" }
            lastShown = status
            return encodeJSONLine(status)
        case .bar:
            return "\r" + line(status, now: now) + "\u{1B}[K" + (final ? "\n" : "")
        case .lines:
            if final, status == lastShown { return "" }
            guard final || (status.counts != lastCounts && now.timeIntervalSince(lastLine) >= 1) else { return "" }
            lastLine = now
            lastCounts = status.counts
            lastShown = status
            return line(status, now: now) + "\n"
        }
    }

    /// Messages per second over the last 30 seconds of samples.
    func rate(now: Date) -> Double? {
        guard let first = samples.first, let last = samples.last, last.time.timeIntervalSince(first.time) >= 0.5 else { return nil }
        return Double(last.done - first.done) / last.time.timeIntervalSince(first.time)
    }

    func line(_ status: JobStatus, now: Date) -> String {
        let c = status.counts
        let fraction = c.total == 0 ? 1 : Double(c.done) / Double(c.total)
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: max(0, width - filled))
        var text = "job \(status.jobID) [\(bar)] \(Int(fraction * 100))%  sent \(c.sent)  deferred \(c.deferred)  failed \(c.failed)  remaining \(c.remaining)"
        if let rate = rate(now: now), rate > 0 {
            text += String(format: "  %.0f/s", rate)
            let eta = Double(c.remaining) / rate
            if c.remaining > 0, eta.isFinite { text += "  ETA " + Self.clock(eta) }
        }
        if status.state != .running { text += "  (\(status.state.rawValue)\(status.pauseReason.map { ": \($0)" } ?? ""))" }
        return text
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
