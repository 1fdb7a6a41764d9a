import ArgumentParser
import IPC

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a job's state and counts.")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Job id.") var job: Int64
    @Flag(help: "One JSON object.") var json = false

    func run() async throws {
        let status = try await daemon.withDaemon { client in try await client.call(.status(JobReference(jobID: job))).job() }
        writeOut(json ? encodeJSONLine(status) : JobStatusText.summary(status))
    }
}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs (yours, or all for admins).")

    @OptionGroup var daemon: DaemonOptions
    @Flag(name: .shortAndLong, help: "Include completed and cancelled jobs.") var all = false
    @Flag(help: "One JSON array.") var json = false

    func run() async throws {
        let jobs = try await daemon.withDaemon { client -> [JobStatus] in
            let response = try await client.call(.list(ListJobs(includeFinished: all)))
            guard case .jobs(let jobs) = response else { throw IPCError.unexpectedResponse(expected: "jobs", received: response.type) }
            return jobs
        }
        writeOut(json ? encodeJSONLine(jobs) : JobStatusText.table(jobs))
    }
}

/// pause, resume, cancel and retry-failed share their shape: a job id in, the job's new
/// status out.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a job: no new messages start; those under way finish.")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Job id.") var job: Int64
    @Option(help: "Why, shown in status: one line of up to 500 characters.") var reason: String?
    @Flag(help: "One JSON object.") var json = false

    func validate() throws {
        if let reason { try OperatorReason.validate(reason, option: "--reason") }
    }

    func run() async throws {
        let status = try await daemon.withDaemon { client in try await client.call(.pause(PauseJob(jobID: job, reason: reason))).job() }
        writeOut(json ? encodeJSONLine(status) : JobStatusText.summary(status))
    }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused job (also after an account problem is fixed), or put refused accounts back into a job running on its others.")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Job id.") var job: Int64
    @Flag(help: "One JSON object.") var json = false

    func run() async throws {
        let status = try await daemon.withDaemon { client in try await client.call(.resume(JobReference(jobID: job))).job() }
        writeOut(json ? encodeJSONLine(status) : JobStatusText.summary(status))
    }
}

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a job: recipients not yet sent are cancelled.")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Job id.") var job: Int64
    @Flag(help: "One JSON object.") var json = false

    func run() async throws {
        let status = try await daemon.withDaemon { client in try await client.call(.cancel(JobReference(jobID: job))).job() }
        writeOut(json ? encodeJSONLine(status) : JobStatusText.summary(status))
    }
}

struct RetryFailedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retry-failed", abstract: "Queue the failed recipients of a job again.")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Job id.") var job: Int64
    @Flag(help: "One JSON object.") var json = false

    func run() async throws {
        let status = try await daemon.withDaemon { client in try await client.call(.retryFailed(JobReference(jobID: job))).job() }
        writeOut(json ? encodeJSONLine(status) : JobStatusText.summary(status))
    }
}
