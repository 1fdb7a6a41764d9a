import Foundation
import IPC
import Logging
import Message
import Queue
import Synchronization

/// The job logic behind the control socket: submissions, status, control and reports, with
/// the ownership rules applied to every request that names a job.
public final class JobService: IPCRequestHandling {
    private let store: StoreAccess
    private let hub: ProgressHub
    private let settings: SettingsHolder
    private let wakeScheduler: @Sendable () -> Void
    private let verifier: AccountVerifier
    private let suppression: SuppressionService
    private let logger: Logger
    /// Uploads in progress, by connection: a vanished client's staging job is discarded, one
    /// that sends too many recipients too, and one with a chunk that was not stored cannot be
    /// committed.
    private let openSubmissions = Mutex<[UInt64: [Int64: UploadProgress]]>([:])

    /// Told when an operator resumed a job, before the workers are woken: delivery forgets
    /// what it held against the job (a tripped breaker, its claims being halted).
    private let jobResumed: @Sendable (Int64) -> Void
    /// Told when an operator paused or cancelled a job: its claimed messages stop at once.
    private let jobHalted: @Sendable (Int64) -> Void
    /// Told when an operator cancelled a job: delivery drops what it kept for it.
    private let jobCancelled: @Sendable (Int64) -> Void

    init(store: StoreAccess, settings: SettingsHolder, logger: Logger, wakeScheduler: @escaping @Sendable () -> Void,
         jobResumed: @escaping @Sendable (Int64) -> Void = { _ in }, jobHalted: @escaping @Sendable (Int64) -> Void = { _ in },
         jobCancelled: @escaping @Sendable (Int64) -> Void = { _ in }) {
        self.jobResumed = jobResumed
        self.jobHalted = jobHalted
        self.jobCancelled = jobCancelled
        self.store = store
        self.hub = ProgressHub(store: store)
        self.settings = settings
        self.wakeScheduler = wakeScheduler
        self.verifier = AccountVerifier(settings: settings, logger: logger)
        self.suppression = SuppressionService(store: store, logger: logger)
        self.logger = logger
    }

    public func handle(_ request: IPCRequest, from client: ClientContext) async -> IPCResponse {
        do {
            return try await dispatch(request, from: client)
        } catch let failure as IPCFailure {
            return .error(failure)
        } catch let error as QueueError {
            // The job's state refuses the request (pause a completed job): the client's mistake,
            // said as such, not a failure of maild.
            switch error {
            case .invalidTransition:
                return .error(IPCFailure(.invalidState, error.description))
            case .jobNotFound:
                return .error(IPCFailure(.notFound, error.description))
            default:
                break
            }
            logger.error("queue error while serving \(request.type)", metadata: ["error": "\(error)"])
            return .error(IPCFailure(.unavailable, "maild could not complete \(request.type): \(error)"))
        } catch {
            logger.error("error while serving \(request.type)", metadata: ["error": "\(error)"])
            return .error(IPCFailure(.internalError, "maild could not complete \(request.type): \(error)"))
        }
    }

    private func dispatch(_ request: IPCRequest, from client: ClientContext) async throws -> IPCResponse {
        switch request {
        case .hello:
            throw IPCFailure(.badRequest, "hello was already said")
        case .submitBegin(let begin):
            return try await submitBegin(begin, from: client)
        case .submitChunk(let chunk):
            return try await submitChunk(chunk, from: client)
        case .submitCommit(let commit):
            return try await submitCommit(commit, from: client)
        case .submitAbort(let reference):
            try requireOpenSubmission(reference.jobID, client)
            try await store.run { try $0.abandonSubmission(jobID: reference.jobID) }
            openSubmissions.withLock { $0[client.connectionID]?[reference.jobID] = nil }
            return .job(try await visibleStatusOrPlaceholder(reference.jobID))
        case .status(let reference):
            return .job(try await authorizedStatus(reference.jobID, client))
        case .list(let list):
            let owner: uid_t? = client.role == .admin ? nil : uid_t(client.peer.uid)
            // Counts come through the progress hub's snapshots: fifty clients listing a busy
            // daemon cost one count query per job and interval, not one per request.
            let ids = try await store.read { try $0.jobs(ownerUID: owner, includeFinished: list.includeFinished).map(\.id) }
            var jobs: [JobStatus] = []
            for id in ids {
                if let status = try await hub.status(of: id) { jobs.append(status) }
            }
            return .jobs(jobs)
        case .watch:
            throw IPCFailure(.badRequest, "watch is served by the connection loop")
        case .pause(let pause):
            _ = try await authorizedStatus(pause.jobID, client)
            // The reason goes into status and the log line below: one line, or it could forge log lines.
            let reason = try pause.reason.map { try OperatorReason.checked($0, field: "reason").get() } ?? "paused by uid \(client.peer.uid)"
            try await store.run { try $0.pause(jobID: pause.jobID, reason: reason) }
            jobHalted(pause.jobID)
            logger.info("job paused", metadata: ["job_id": "\(pause.jobID)", "reason": "\(reason)"])
            return .job(try await freshStatus(pause.jobID))
        case .resume(let reference):
            _ = try await authorizedStatus(reference.jobID, client)
            // A job none of whose accounts is configured would only sit there "running".
            let accounts = try await store.run { try $0.accounts(ofJob: reference.jobID) }.map(\.name)
            let configured = settings.current.configuration.accounts.keys
            if !accounts.isEmpty, !accounts.contains(where: configured.contains) {
                throw IPCFailure(.invalidState, "job \(reference.jobID) sends through \(accounts.joined(separator: ", ")), not in maild.conf: "
                                 + "add \(accounts.count == 1 ? "it" : "one") back (systemctl reload maild), then resume")
            }
            let wasPaused = try await store.run { store in
                let paused = try store.job(id: reference.jobID, includingSpec: false)?.state == .paused
                try store.resume(jobID: reference.jobID)
                // Resume gives the job all its accounts back; one that is not configured stays
                // out, or the job would count on it when its others are refused.
                for account in accounts where !configured.contains(account) {
                    try store.pauseAccount(account, reason: DeliveryEngine.unconfiguredAccountReason(account))
                }
                return paused
            }
            logger.info("job resumed", metadata: ["job_id": "\(reference.jobID)"])
            // A job that ran on through its other accounts only gets its accounts back: its
            // bounce breaker keeps what it has seen.
            if wasPaused { jobResumed(reference.jobID) }
            wakeScheduler()
            return .job(try await freshStatus(reference.jobID))
        case .cancel(let reference):
            _ = try await authorizedStatus(reference.jobID, client)
            try await store.run { try $0.cancel(jobID: reference.jobID) }
            jobHalted(reference.jobID)
            jobCancelled(reference.jobID)
            logger.info("job cancelled", metadata: ["job_id": "\(reference.jobID)"])
            return .job(try await freshStatus(reference.jobID))
        case .retryFailed(let reference):
            _ = try await authorizedStatus(reference.jobID, client)
            let count = try await store.run { try $0.retryFailed(jobID: reference.jobID) }
            logger.info("failed recipients queued again", metadata: ["job_id": "\(reference.jobID)", "count": "\(count)"])
            wakeScheduler()
            return .job(try await freshStatus(reference.jobID))
        case .report(let report):
            _ = try await authorizedStatus(report.jobID, client)
            let limit = min(max(report.limit, 1), 10_000)
            let rows = try await store.read { try $0.recipients(jobID: report.jobID, afterID: report.afterRecipientID, limit: limit) }
            let page = rows.map { row in
                ReportRow(recipientID: row.id, address: row.address, state: row.state.rawValue, attempts: row.attempts,
                          lastClass: row.lastClass?.rawValue, lastStage: row.lastStage, lastCode: row.lastCode,
                          lastEnhancedCode: row.lastEnhanced, lastText: row.lastText, updatedAt: row.updatedAt,
                          interruptedSends: row.interruptedSends)
            }
            return .report(ReportPage(rows: page, nextAfterRecipientID: rows.count == limit ? rows.last?.id : nil))
        case .verify(let verify):
            guard client.role == .admin else {
                throw IPCFailure(.permissionDenied, "verify needs an admin: it connects with the account's secret")
            }
            return .verified(await verifier.verify(account: verify.account))
        case .suppressAdd(let add):
            return .suppressionChanged(try await suppression.add(add, from: client))
        case .suppressRemove(let remove):
            return .suppressionChanged(try await suppression.remove(remove, from: client))
        case .suppressList(let list):
            return .suppressions(try await suppression.list(list, from: client))
        case .unsubscribe(let request):
            return .unsubscribed(try await suppression.unsubscribe(request, secret: settings.current.unsubscribeSecret, from: client))
        }
    }

    public func watch(jobID: Int64, from client: ClientContext, emit: @Sendable (JobStatus) async throws -> Void) async -> IPCResponse {
        do {
            var last = try await authorizedStatus(jobID, client)
            try await emit(last)
            // A cancelled job is followed until the messages on the wire at the cancel have
            // their outcome, so the final answer holds the counts that stay.
            while ProgressHub.canStillChange(last) {
                try await Task.sleep(for: .milliseconds(250))
                guard let status = try await hub.status(of: jobID) else {
                    throw IPCFailure(.notFound, "job \(jobID) no longer exists")
                }
                if status != last {
                    last = status
                    if ProgressHub.canStillChange(status) { try await emit(status) }
                }
            }
            return .job(last)
        } catch let failure as IPCFailure {
            return .error(failure)
        } catch {
            return .error(IPCFailure(.unavailable, "watch of job \(jobID) ended: \(error)"))
        }
    }

    public func connectionClosed(_ client: ClientContext) async {
        let abandoned = openSubmissions.withLock { $0.removeValue(forKey: client.connectionID) }.map { Array($0.keys) } ?? []
        for jobID in abandoned {
            do {
                try await store.run { try $0.abandonSubmission(jobID: jobID) }
                logger.notice("client vanished mid-submit; upload discarded", metadata: ["job_id": "\(jobID)", "uid": "\(client.peer.uid)"])
            } catch {
                logger.error("could not discard an abandoned upload (it is removed at next start)", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
            }
        }
    }

    // MARK: Submission

    private func submitBegin(_ begin: SubmitBegin, from client: ClientContext) async throws -> IPCResponse {
        let spec: CampaignSpec
        do {
            spec = try CampaignWire.decodeSpec(begin.spec)
        } catch {
            throw IPCFailure(.invalidCampaign, "campaign spec: \(error)")
        }
        let current = settings.current
        for account in spec.accounts where current.configuration.accounts[account] == nil {
            let known = current.configuration.accounts.keys.sorted().joined(separator: ", ")
            throw IPCFailure(.invalidCampaign, "account \"\(account)\" is not configured in \(current.configuration.path) (configured: \(known))")
        }
        guard Set(spec.accounts).count == spec.accounts.count, spec.accounts.count <= 16 else {
            throw IPCFailure(.invalidCampaign, "accounts: each account may be named once, and at most 16")
        }
        try SubmissionLimits.check(spec, limits: current.configuration.limits, configurationPath: current.configuration.path)
        do {
            _ = try MessageComposer(spec: spec)
        } catch {
            throw IPCFailure(.invalidCampaign, "campaign cannot be rendered: \(error)")
        }
        if let url = spec.unsubscribe?.url, CampaignLoader.insertsRawValues(url) {
            throw IPCFailure(.invalidCampaign, "unsubscribe.url: " + CampaignLoader.rawValuesInURLAdvice)
        }
        let headerProblems = MessageComposer.campaignHeaderProblems(in: spec)
        guard headerProblems.isEmpty else { throw IPCFailure(.invalidCampaign, headerProblems.joined(separator: "; ")) }
        let unsupported = MessageComposer.unsupportedTemplateTags(in: spec)
        guard unsupported.isEmpty else { throw IPCFailure(.invalidCampaign, "campaign cannot be rendered: \(unsupported.joined(separator: "; "))") }
        if let key = begin.idempotencyKey, key.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || key.utf8.count > 200 {
            // An empty key (an unset variable in a script) would make every later submit with
            // one "the same submit" and upload nothing.
            throw IPCFailure(.badRequest, "idempotency_key: must be 1 to 200 characters, not blank; leave it out for a new job")
        }
        let job = NewJob(idempotencyKey: begin.idempotencyKey, name: spec.name, account: spec.account, ownerUID: uid_t(client.peer.uid),
                         ownerGID: gid_t(client.peer.gid), spec: begin.spec, sendAt: spec.sendAt,
                         additionalAccounts: spec.additionalAccounts ?? [])
        let start = try await store.run { try $0.beginSubmission(job) }
        switch start {
        case .started(let jobID):
            openSubmissions.withLock { $0[client.connectionID, default: [:]][jobID] = UploadProgress() }
            return .submitStarted(SubmitStarted(jobID: jobID, replay: false))
        case .replay(let record):
            guard Authorization.may(client.role, peer: client.peer, accessJobOwnedBy: UInt32(record.ownerUID)) else {
                throw IPCFailure(.permissionDenied, "idempotency key \(begin.idempotencyKey ?? "") belongs to another user's job")
            }
            return .submitStarted(SubmitStarted(jobID: record.id, replay: true))
        }
    }

    private func submitChunk(_ chunk: SubmitChunk, from client: ClientContext) async throws -> IPCResponse {
        await storeChunk(prepareChunk(chunk, from: client), from: client)
    }

    public func limits() -> WireLimits {
        let limits = settings.current.configuration.limits
        return WireLimits(maxRecipients: limits.maximumRecipients, maxAttachments: limits.maximumAttachments,
                          maxAttachmentSize: limits.maximumAttachmentSize, maxTotalAttachmentSize: limits.maximumTotalAttachmentSize,
                          maxTemplateSize: limits.maximumTemplateSize)
    }

    /// Checks and converts a chunk: no storage, so the server may run it while the previous
    /// chunk of the same upload is being stored.
    public func prepareChunk(_ chunk: SubmitChunk, from client: ClientContext) -> PreparedChunk {
        let number = openSubmissions.withLock { $0[client.connectionID]?[chunk.jobID]?.receiveChunk() }
        guard let number else {
            let failure = IPCFailure(.invalidState, Self.notOpenMessage(chunk.jobID))
            return PreparedChunk(jobID: chunk.jobID, recipients: [], failure: failure, discardsUpload: false, number: nil)
        }
        guard chunk.recipients.count <= IPCLimits.maximumRecipientsPerChunk else {
            let failure = IPCFailure(.limitExceeded, "a chunk may hold at most \(IPCLimits.maximumRecipientsPerChunk) recipients, this one has \(chunk.recipients.count)")
            return PreparedChunk(jobID: chunk.jobID, recipients: [], failure: failure, discardsUpload: false, number: number)
        }
        if let overLimit = countRecipients(chunk, from: client) {
            return PreparedChunk(jobID: chunk.jobID, recipients: [], failure: overLimit, discardsUpload: true, number: number)
        }
        return PreparedChunk(jobID: chunk.jobID, recipients: CampaignWire.newRecipients(chunk.recipients), failure: nil, discardsUpload: false,
                             number: number)
    }

    public func chunkUnreadable(_ problem: String, from client: ClientContext) {
        openSubmissions.withLock { open in
            guard let uploads = open[client.connectionID] else { return }
            for jobID in uploads.keys {
                guard var progress = open[client.connectionID]?[jobID] else { continue }
                progress.chunkLost(progress.receiveChunk(), reason: problem)
                open[client.connectionID]?[jobID] = progress
            }
        }
    }

    /// Stores a prepared chunk (or answers its refusal), in the order the chunks arrived.
    public func storeChunk(_ prepared: PreparedChunk, from client: ClientContext) async -> IPCResponse {
        let response = await storeOrRefuse(prepared, from: client)
        if let number = prepared.number {
            openSubmissions.withLock { open in
                if case .error(let failure) = response {
                    open[client.connectionID]?[prepared.jobID]?.chunkLost(number, reason: failure.message)
                } else {
                    open[client.connectionID]?[prepared.jobID]?.chunkStored()
                }
            }
        }
        return response
    }

    private func storeOrRefuse(_ prepared: PreparedChunk, from client: ClientContext) async -> IPCResponse {
        if let failure = prepared.failure {
            if prepared.discardsUpload {
                openSubmissions.withLock { $0[client.connectionID]?[prepared.jobID] = nil }
                do {
                    try await store.run { try $0.abandonSubmission(jobID: prepared.jobID) }
                } catch {
                    logger.error("could not discard a refused upload", metadata: ["job_id": "\(prepared.jobID)", "error": "\(error)"])
                }
                logger.notice("upload refused: over max_recipients; discarded", metadata: ["job_id": "\(prepared.jobID)", "uid": "\(client.peer.uid)"])
            }
            return .error(failure)
        }
        do {
            let recipients = prepared.recipients
            let result = try await store.run { try $0.appendRecipients(jobID: prepared.jobID, recipients) }
            return .chunkAccepted(ChunkAccepted(inserted: result.inserted, duplicates: result.duplicates))
        } catch let error as QueueError {
            logger.error("queue error while serving submit_chunk", metadata: ["error": "\(error)"])
            return .error(IPCFailure(.unavailable, "maild could not complete submit_chunk: \(error)"))
        } catch {
            logger.error("error while serving submit_chunk", metadata: ["error": "\(error)"])
            return .error(IPCFailure(.internalError, "maild could not complete submit_chunk: \(error)"))
        }
    }

    private func submitCommit(_ commit: SubmitCommit, from client: ClientContext) async throws -> IPCResponse {
        try requireOpenSubmission(commit.jobID, client)
        // The server answers every chunk before it handles the commit, so the record is complete.
        if let gap = openSubmissions.withLock({ $0[client.connectionID]?[commit.jobID]?.gap }) {
            openSubmissions.withLock { $0[client.connectionID]?[commit.jobID] = nil }
            do {
                try await store.run { try $0.abandonSubmission(jobID: commit.jobID) }
            } catch {
                logger.error("could not discard an upload whose commit was refused (it is removed at next start)",
                             metadata: ["job_id": "\(commit.jobID)", "error": "\(error)"])
            }
            logger.notice("commit refused: a chunk was not stored; upload discarded",
                          metadata: ["job_id": "\(commit.jobID)", "uid": "\(client.peer.uid)", "reason": "\(gap)"])
            throw IPCFailure(.invalidState, "job \(commit.jobID) not committed: \(gap); the upload was discarded, nothing was kept; submit the campaign again")
        }
        let record = try await store.run {
            try $0.commitSubmission(jobID: commit.jobID)
        }
        openSubmissions.withLock { $0[client.connectionID]?[commit.jobID] = nil }
        let accounts = (try? await store.read { try $0.accounts(ofJob: record.id) })?.map(\.name) ?? [record.account]
        logger.info("job submitted", metadata: ["job_id": "\(record.id)", "accounts": "\(accounts.joined(separator: ","))", "recipients": "\(record.recipientCount)", "uid": "\(client.peer.uid)"])
        wakeScheduler()
        return .job(try await freshStatus(record.id))
    }

    /// Adds the chunk to the job's running count; past `max_recipients` the answer is the
    /// refusal, and `storeChunk` discards the staging job before anything more is stored, so the
    /// refusal leaves nothing behind.
    private func countRecipients(_ chunk: SubmitChunk, from client: ClientContext) -> IPCFailure? {
        let received = openSubmissions.withLock { open -> Int in
            let total = (open[client.connectionID]?[chunk.jobID]?.recipientsReceived ?? 0) + chunk.recipients.count
            open[client.connectionID]?[chunk.jobID]?.recipientsReceived = total
            return total
        }
        let configuration = settings.current.configuration
        do {
            try SubmissionLimits.checkRecipients(received, jobID: chunk.jobID, limits: configuration.limits, configurationPath: configuration.path)
            return nil
        } catch {
            return error
        }
    }

    private func requireOpenSubmission(_ jobID: Int64, _ client: ClientContext) throws {
        let open = openSubmissions.withLock { $0[client.connectionID]?[jobID] != nil }
        guard open else { throw IPCFailure(.invalidState, Self.notOpenMessage(jobID)) }
    }

    private static func notOpenMessage(_ jobID: Int64) -> String {
        "job \(jobID) is not an upload open on this connection (uploads cannot be resumed from another connection)"
    }

    // MARK: Status and ownership

    private func authorizedStatus(_ jobID: Int64, _ client: ClientContext) async throws -> JobStatus {
        guard let status = try await hub.status(of: jobID) else {
            throw IPCFailure(.notFound, "no job \(jobID)")
        }
        guard Authorization.may(client.role, peer: client.peer, accessJobOwnedBy: status.ownerUID) else {
            // The same answer as for a missing job: another user's job ids are not disclosed.
            throw IPCFailure(.notFound, "no job \(jobID)")
        }
        return status
    }

    private func freshStatus(_ jobID: Int64) async throws -> JobStatus {
        await hub.invalidate(jobID)
        guard let status = try await hub.status(of: jobID) else { throw IPCFailure(.notFound, "no job \(jobID)") }
        return status
    }

    private func visibleStatusOrPlaceholder(_ jobID: Int64) async throws -> JobStatus {
        if let status = try await hub.status(of: jobID) { return status }
        return JobStatus(jobID: jobID, name: "", account: "", ownerUID: 0, state: .cancelled, pauseReason: "upload aborted",
                         counts: IPC.RecipientCounts(), duplicates: 0, createdAt: Date(), sendAt: nil, startedAt: nil, finishedAt: Date())
    }
}
