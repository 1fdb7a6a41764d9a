import ArgumentParser
import Foundation
import IPC
import Message

/// Validates a campaign, uploads it in chunks, and prints the job id once the daemon has
/// committed it. Nothing is visible in the daemon until the commit: an interrupted submit
/// leaves no partial job.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Hand a campaign to maild; prints the job id.",
        discussion: """
        The job id goes to standard output (JOB=$(mailctl submit c.json)); details to standard \
        error. A retried submit with the same --idempotency-key returns the job already \
        created instead of a second one. Exit status: 0 submitted (with --watch: as watch), 1 \
        validation or daemon error.
        """
    )

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The campaign file (docs/campaign.md).") var campaign: String
    @Flag(help: "Follow the job until it ends, like mailctl watch.") var watch = false
    @Flag(help: "Print the job as JSON (with --watch: one JSON event per line).") var json = false
    @Flag(name: .customLong("skip-invalid"), help: "Report and skip invalid recipient addresses instead of refusing the campaign.")
    var skipInvalid = false
    @Option(name: .customLong("idempotency-key"), help: "Reuse to make a retried submit safe (default: a new random key).")
    var idempotencyKey: String?

    static let chunksInFlight = 3

    /// The whole campaign checked again with every row of its list, on another thread: every
    /// problem is listed (as a check before the upload would) and the counts are exact.
    static func checkInFull(_ path: String, skipInvalid: Bool, limits: CampaignLimits) -> Task<Result<LoadedCampaign, CampaignValidationError>, Never> {
        Task.detached {
            Result { () throws(CampaignValidationError) -> LoadedCampaign in
                try CampaignLoader(skipInvalid: skipInvalid, limits: limits).load(path: path)
            }
        }
    }

    func validate() throws {
        if let key = idempotencyKey, key.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || key.utf8.count > 200 {
            throw ValidationError("--idempotency-key: 1 to 200 characters, not blank (an unset variable?); leave the option out for a new job")
        }
    }

    func run() async throws {
        let quick: LoadedCampaign
        var recipients: RecipientIterator
        let limits = await daemon.campaignLimits()
        do {
            // The spec, the files it names and the CSV header now; the rows of a CSV list are
            // checked in full beside the upload (below), which is committed only if they pass.
            var loader = CampaignLoader(skipInvalid: skipInvalid, limits: limits)
            loader.readsRecipientRows = false
            quick = try loader.load(path: campaign)
            recipients = try quick.makeRecipientIterator()
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let fullCheck = quick.readsRecipientFile ? Self.checkInFull(campaign, skipInvalid: skipInvalid, limits: limits) : nil
        let spec = try IPCProtocol.makeEncoder().encode(quick.spec)
        let key = idempotencyKey ?? UUID().uuidString
        let outcome: (status: JobStatus, loaded: LoadedCampaign)
        do {
            outcome = try await upload(spec: spec, key: key, quick: quick, recipients: &recipients, fullCheck: fullCheck)
        } catch {
            // The full check runs on its own thread and does not stop when cancelled: exiting
            // under it races OpenSSL's exit-time cleanup (the loader hashes with libcrypto),
            // which crashed mailctl with SIGBUS. Every way out waits for it.
            _ = await fullCheck?.value
            throw error
        }
        _ = await fullCheck?.value
        let (status, loaded) = outcome
        for skipped in loaded.skipped { printError("mailctl: skipped \(skipped)") }
        if json, !watch {
            writeOut(encodeJSONLine(status))
        } else if !json {
            writeOut("\(status.jobID)\n")
            printError("mailctl: job \(status.jobID) \(status.state.rawValue): \(status.counts.total) recipients"
                       + " (\(loaded.duplicateCount + status.duplicates) duplicates collapsed, \(loaded.skippedCount + status.counts.skipped) skipped)")
        }
        if watch {
            let final = try await WatchCommand.follow(job: status.jobID, daemon: daemon, json: json)
            throw ExitCode(WatchCommand.exitCode(for: final))
        }
    }

    /// Begins the submit, uploads the recipients a few chunks ahead and commits; on a replayed
    /// key, returns the job the key already made.
    private func upload(spec: Data, key: String, quick: LoadedCampaign, recipients: inout RecipientIterator,
                        fullCheck: Task<Result<LoadedCampaign, CampaignValidationError>, Never>?) async throws -> (status: JobStatus, loaded: LoadedCampaign) {
        // Whether maild may hold a job under this key, and which: once submit_begin has left, a
        // failure must not end without the key, or the operator's retry makes a second job.
        var beginSent = false
        var startedJobID: Int64?
        return try await daemon.withDaemon { client in
            if quick.spec.additionalAccounts != nil, client.server?.supports(IPCFeature.accounts) != true {
                printError("mailctl: this maild is older than campaigns with several accounts and would send through \(quick.spec.account) only; "
                           + "upgrade maild, or name one account")
                throw ExitCode(1)
            }
            do {
                beginSent = true
                let started: IPCResponse
                do {
                    started = try await client.call(.submitBegin(SubmitBegin(spec: spec, idempotencyKey: key)))
                } catch IPCError.remote(let refusal) {
                    // A refused submit_begin created nothing: there is nothing to retry safely.
                    beginSent = false
                    throw IPCError.remote(refusal)
                }
                guard case .submitStarted(let start) = started else {
                    throw IPCError.unexpectedResponse(expected: "submit_started", received: started.type)
                }
                startedJobID = start.jobID
                if start.replay {
                    printError("mailctl: idempotency key \(key) was already used: job \(start.jobID) exists, nothing uploaded again")
                    return (try await client.call(.status(JobReference(jobID: start.jobID))).job(), quick)
                }
                // A few chunks in flight: mailctl reads and encodes the next one while maild
                // stores the previous, instead of each waiting for the other.
                var inFlight: [UInt64] = []
                func abandon(_ problem: String) async throws -> Never {
                    for id in inFlight { _ = try? await client.response(to: id) }
                    _ = try? await client.call(.submitAbort(JobReference(jobID: start.jobID)))
                    printError(problem)
                    throw ExitCode(1)
                }
                while true {
                    let chunk: [CampaignRecipient]
                    do {
                        chunk = try recipients.next(upTo: IPCLimits.recipientsPerChunk)
                    } catch {
                        // The full check has the whole list of problems, not just this first one.
                        if case .failure(let everything)? = await fullCheck?.value { try await abandon(everything.description) }
                        try await abandon("\(error)")
                    }
                    if chunk.isEmpty { break }
                    let wire = chunk.map { WireRecipient(address: $0.address, name: $0.name, variables: $0.variables) }
                    inFlight.append(try await client.sendChunk(jobID: start.jobID, recipients: wire))
                    if inFlight.count >= Self.chunksInFlight { _ = try await client.response(to: inFlight.removeFirst()) }
                }
                var loaded = quick
                switch await fullCheck?.value {
                case .failure(let problems)?: try await abandon(problems.description)
                case .success(let checked)?: loaded = checked
                case nil: break
                }
                for id in inFlight { _ = try await client.response(to: id) }
                let status = try await client.call(.submitCommit(SubmitCommit(
                    jobID: start.jobID, duplicatesRemovedByClient: loaded.duplicateCount, skippedByClient: loaded.skippedCount))).job()
                return (status, loaded)
            } catch let error where beginSent && !(error is ExitCode) {
                printError("mailctl: \(error)")
                printError(retryAdvice(after: error, jobID: startedJobID, key: key))
                throw ExitCode(1)
            }
        }
    }

    /// What to do after a submit failed once its upload had begun, with the command to run.
    ///
    /// When the connection failed, mailctl cannot know whether maild committed the job before
    /// it went (killed between the commit and its answer, say); only the same idempotency key
    /// makes the retry safe, and the default key was random and shown nowhere else.
    func retryAdvice(after error: any Error, jobID: Int64?, key: String) -> String {
        var command = ["mailctl", "submit", campaign, "--idempotency-key", key]
        if skipInvalid { command.append("--skip-invalid") }
        if let socket = daemon.socket { command += ["--socket", socket] }
        let job = jobID.map { "job \($0)" } ?? "the job"
        let retry = "\n    \(command.map(shellQuoted).joined(separator: " "))\n"
        if case IPCError.remote = error {
            return "mailctl: maild refused the upload, so \(job) was not committed. Once the cause is fixed, retry with the same "
                + "idempotency key, which submits the campaign once however often the retry is repeated:" + retry
        }
        return "mailctl: maild may have committed \(job) before the connection failed. Retry with the same idempotency key: it "
            + "returns the job if it was committed, or submits the campaign if not:" + retry
            + "A retry without this key can create a second job and mail every recipient twice."
    }
}

/// `word` as a POSIX shell reads it back: unchanged when it has nothing the shell treats
/// specially, else in single quotes.
func shellQuoted(_ word: String) -> String {
    let plain = word.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "@%+=:,./_-".unicodeScalars.contains($0) }
    if plain, !word.isEmpty { return word }
    return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}
