import ArgumentParser
import Foundation
import IPC

/// Follows a job to its end. Exit status: 0 every recipient sent (or skipped), 2 some failed,
/// 3 the job was cancelled, 1 mailctl could not watch.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow a job live until it ends.",
        discussion: "Exit status: 0 all recipients sent, 2 some failed, 3 job cancelled, 1 error."
    )

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Job id.") var job: Int64
    @Flag(help: "One JSON event per line.") var json = false

    func run() async throws {
        let final = try await Self.follow(job: job, daemon: daemon, json: json)
        throw ExitCode(Self.exitCode(for: final))
    }

    static func follow(job: Int64, daemon: DaemonOptions, json: Bool) async throws -> JobStatus {
        let style: ProgressRenderer.Style = json ? .json : (isatty(STDOUT_FILENO) != 0 ? .bar : .lines)
        return try await daemon.withDaemon { client in
            var renderer = ProgressRenderer(style: style)
            let id = try await client.send(.watch(JobReference(jobID: job)))
            while true {
                let frame = try await client.next()
                guard frame.id == id else { continue }
                switch frame.response {
                case .event(let status):
                    writeOut(renderer.render(status))
                case .job(let status):
                    writeOut(renderer.render(status, final: true))
                    if !json { writeOut(Self.ending(status)) }
                    return status
                case .error(let failure):
                    throw IPCError.remote(failure)
                default:
                    throw IPCError.unexpectedResponse(expected: "event", received: frame.response.type)
                }
            }
        }
    }

    static func ending(_ status: JobStatus) -> String {
        let c = status.counts
        switch status.state {
        case .cancelled: return "job \(status.jobID) cancelled: \(c.sent) sent, \(c.cancelled) cancelled, \(c.failed) failed\n"
        default:
            var text = "job \(status.jobID) completed: \(c.sent) sent, \(c.failed) failed, \(c.skipped) skipped\n"
            if c.failed > 0 { text += "details: mailctl report \(status.jobID)\n" }
            return text
        }
    }

    static func exitCode(for status: JobStatus) -> Int32 {
        if status.state == .cancelled { return 3 }
        return status.counts.failed > 0 ? 2 : 0
    }
}
