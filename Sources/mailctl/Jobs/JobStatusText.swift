import Foundation
import IPC

/// How a job reads in a terminal: `mailctl status` and `list`.
enum JobStatusText {
    static func summary(_ job: JobStatus) -> String {
        var lines: [String] = []
        var state = job.state.rawValue
        if let reason = job.pauseReason, job.state == .paused { state += " (\(reason))" }
        let accounts = job.accounts ?? [job.account]
        lines.append("job \(job.jobID) \"\(job.name)\" on account\(accounts.count == 1 ? "" : "s") \(accounts.joined(separator: ", ")): \(state)")
        // For a running job maild puts the throttle in force (a cool-down, a quota pause, a
        // halved rate) where a paused job has its reason.
        if let note = job.pauseReason, job.state == .running { lines.append("  \(note)") }
        let pauses = job.accountPauses ?? []
        for pause in pauses where !(job.state == .paused && job.pauseReason == pause.reason) {
            lines.append("  account \(pause.account) taken out of this job: \(pause.reason)")
        }
        let sending = accounts.filter { name in !pauses.contains { $0.account == name } }
        if !pauses.isEmpty, !sending.isEmpty, job.state != .paused {
            lines.append("  sending through \(sending.joined(separator: ", ")); after the fix: mailctl resume \(job.jobID)")
        }
        let c = job.counts
        lines.append("  recipients \(c.total): sent \(c.sent), deferred \(c.deferred), failed \(c.failed), skipped \(c.skipped), cancelled \(c.cancelled), pending \(c.pending), sending \(c.sending)")
        if job.duplicates > 0 { lines.append("  duplicates collapsed at submit: \(job.duplicates)") }
        let format = ISO8601DateFormatter()
        var times = "  created \(format.string(from: job.createdAt))"
        if let sendAt = job.sendAt { times += ", send at \(format.string(from: sendAt))" }
        if let started = job.startedAt { times += ", started \(format.string(from: started))" }
        if let finished = job.finishedAt { times += ", finished \(format.string(from: finished))" }
        lines.append(times)
        if job.state == .paused {
            lines.append("  resume with: mailctl resume \(job.jobID)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func table(_ jobs: [JobStatus]) -> String {
        guard !jobs.isEmpty else { return "no jobs\n" }
        let header = ["JOB", "STATE", "ACCOUNT", "TOTAL", "SENT", "FAILED", "LEFT", "NAME"]
        let rows = jobs.map { job -> [String] in
            let c = job.counts
            return [String(job.jobID), job.state.rawValue, (job.accounts ?? [job.account]).joined(separator: ","), String(c.total), String(c.sent), String(c.failed), String(c.remaining), job.name]
        }
        let all = [header] + rows
        let widths = (0..<header.count).map { column in all.map { $0[column].count }.max() ?? 0 }
        // Numbers right-aligned, words left-aligned; the last column is not padded.
        let numeric: Set<Int> = [0, 3, 4, 5, 6]
        return all.map { row in
            row.enumerated().map { column, value in
                if column == row.count - 1 { return value }
                let padding = String(repeating: " ", count: widths[column] - value.count)
                return numeric.contains(column) ? padding + value : value + padding
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
