import DKIM
import Delivery
import Foundation
import Logging
import Message
import Queue
import SMTP

/// One SMTP connection's worth of sending for an account: claims due recipients, renders
/// each message just in time, sends it over a reused session, and turns every reply into a
/// recorded outcome.
struct AccountWorker: Sendable {
    let engine: DeliveryEngine
    let account: String
    let index: Int
    /// The engine's logger with this account's name attached, built once, not per message.
    private let logger: Logger

    init(engine: DeliveryEngine, account: String, index: Int) {
        self.engine = engine
        self.account = account
        self.index = index
        var logger = engine.logger
        logger[metadataKey: "account"] = "\(account)"
        self.logger = logger
    }
    static let claimBatch = 16
    /// How long an idle worker waits for a signal before it looks again: what a deferred
    /// recipient may wait past its retry time, at most.
    static let idleWait = Duration.seconds(1)
    /// Outcomes waiting for their group commit, per worker, before the worker waits.
    static let maximumUncommitted = 256


    func run() async {
        var slot = SessionSlot()
        /// The provider whose connection slot this worker holds: its session carries that
        /// provider's messages now, and counts toward the provider's `max_connections`.
        var heldProvider: String?
        /// Per waiting scope, the next free instant for a postponed recipient: they are spread
        /// by the scope's rate, so each becomes due at its own turn instead of all at once
        /// (which would rewrite every one of them again for each message sent).
        var postponeCursor: [ThrottleScope: Date] = [:]
        let variablesDecoder = JSONDecoder()
        await withTaskGroup(of: Void.self) { commits in
            while !engine.isStopping {
                let settings = engine.settings.current
                guard let configuration = settings.configuration.accounts[account] else { break }
                guard index < configuration.concurrency else { break }
                let suspended = await engine.throttle.accountSuspendedUntil(account) != nil
                if let until = await engine.throttle.accountWaitsUntil(account), until.timeIntervalSinceNow > (suspended ? 0.5 : 2) {
                    // A cool-down, a used-up quota or rate window: claiming now would only hand
                    // the claims back, and keep them from a job's other accounts meanwhile.
                    await drain(&slot, settings: settings, commits: &commits)
                    if let open = slot.connection { await open.quit() }
                    slot.connection = nil
                    slot.sentOnConnection = 0
                    if let held = heldProvider { await engine.throttle.releaseConnection(provider: held) }
                    heldProvider = nil
                    try? await Task.sleep(for: .milliseconds(Int(min(until.timeIntervalSinceNow, 1) * 1000)))
                    continue
                }
                // Read before the claim: a signal between an empty claim and the wait is not lost.
                let workSeen = engine.work.generation
                let claimed: [ClaimedRecipient]
                do {
                    claimed = try await engine.store.run { [account] in try $0.claimDueRecipients(account: account, now: Date(), limit: Self.claimBatch) }
                } catch {
                    logger.error("cannot claim recipients", metadata: ["error": "\(error)"])
                    // Record what is on the session now, not once the store answers again.
                    await drain(&slot, settings: settings, commits: &commits)
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                if claimed.isEmpty {
                    if !slot.inFlight.isEmpty {
                        // The last messages are still on the session: record them, then look again.
                        await drain(&slot, settings: settings, commits: &commits)
                        continue
                    }
                    if let open = slot.connection, slot.sentOnConnection > 0 {
                        // Idle sessions are closed rather than left to the relay's timeout.
                        await open.quit()
                        slot.connection = nil
                        slot.sentOnConnection = 0
                    }
                    if let held = heldProvider {
                        await engine.throttle.releaseConnection(provider: held)
                        heldProvider = nil
                    }
                    // Idle: wait for new work, or for deferred recipients to come due.
                    await engine.work.wait(after: workSeen, timeout: Self.idleWait)
                    continue
                }
                var remaining = claimed[...]
                var stopBatch = false
                var halted: [Int64] = []
                var postponed: [Postponed] = []
                while let recipient = remaining.first {
                    if engine.isStopping { break }
                    if engine.isHalted(jobID: recipient.jobID) {
                        // Paused or cancelled since the claim: given back, not sent.
                        halted.append(recipient.id)
                        remaining = remaining.dropFirst()
                        continue
                    }
                    let provider = settings.providers.provider(forDomain: recipient.domain)
                    let perConnection = ThrottleLimits.smallest(configuration.messagesPerConnection,
                                                                settings.providers.limits(forProvider: provider).maxMessagesPerConnection)
                    // Up to `pipelineDepth` messages ride the session at once; a change of
                    // provider (its connection slot) or of session (a new or a dead one) waits
                    // for all of them.
                    while !slot.inFlight.isEmpty {
                        let needsNewSession = heldProvider != provider || slot.connection == nil || slot.sentOnConnection >= perConnection
                        if !needsNewSession, slot.inFlight.count < Self.pipelineDepth(of: slot.connection) { break }
                        if await !settleOldest(&slot, remaining: &remaining, settings: settings, commits: &commits) {
                            stopBatch = true
                            break
                        }
                    }
                    if stopBatch { break }
                    // A message that had no turn on a session that ended went back to the front.
                    if remaining.first?.id != recipient.id { continue }
                    // Waiting for the session may have taken a slow relay's seconds: a pause or
                    // cancel in the meantime keeps this one from going (the loop gives it back).
                    if engine.isHalted(jobID: recipient.jobID) { continue }
                    if heldProvider != provider {
                        if let held = heldProvider { await engine.throttle.releaseConnection(provider: held) }
                        heldProvider = nil
                        guard await engine.throttle.acquireConnection(provider: provider) else {
                            // Every session the provider allows is busy: hand the claims back so
                            // a worker that holds one of them, or another provider's turn, goes.
                            break
                        }
                        heldProvider = provider
                    }
                    let jobLimits = (try? await engine.composers.context(jobID: recipient.jobID, store: engine.store))?.rateLimits
                    let reservation = await engine.throttle.reserve(account: account, provider: provider, job: recipient.jobID, jobLimits: jobLimits)
                    guard case .reserved(let reservedAt) = reservation else {
                        if !slot.inFlight.isEmpty {
                            // Record what is on the wire before waiting: its outcome may be what
                            // the throttle waits for (a reservation completes with its send).
                            if await !settleAll(&slot, remaining: &remaining, settings: settings, commits: &commits) {
                                stopBatch = true
                                break
                            }
                            continue
                        }
                        guard case .wait(let until, let scope) = reservation else { break }
                        let delay = until.timeIntervalSinceNow
                        if delay > 2 {
                            if case .account = scope {
                                // The whole account waits: hand the claims back so the queue
                                // stays truthful; nothing else of this account could go first.
                                break
                            }
                            // Only this provider (a cool-down, a suspension rule) or this job
                            // (its campaign rate) must wait: the recipient waits in the queue
                            // until then, without an attempt, and the rest of the batch goes on,
                            // so one suspended provider does not stall the account's others.
                            let spacing = await engine.throttle.sustainedSpacing(of: scope)
                            let turn = max(until, postponeCursor[scope] ?? until)
                            postponeCursor[scope] = spacing.map { turn.addingTimeInterval($0) } ?? turn
                            postponed.append(Postponed(recipientID: recipient.id, until: turn, scope: scope))
                            remaining = remaining.dropFirst()
                            continue
                        }
                        try? await Task.sleep(for: .milliseconds(Int(max(delay, 0.001) * 1000)))
                        continue
                    }
                    let completeReservation: @Sendable () async -> QueueStore.SendLogEntry = { [engine, account, reservedAt] in
                        await engine.throttle.complete(account: account, provider: provider, job: recipient.jobID, reservedAt: reservedAt)
                    }
                    remaining = remaining.dropFirst()
                    if slot.connection == nil || slot.sentOnConnection >= perConnection {
                        if let old = slot.connection { await old.quit() }
                        slot.connection = nil
                        slot.sentOnConnection = 0
                        do throws(SMTPError) {
                            slot.connection = try await connect(configuration, settings: settings)
                        } catch {
                            _ = await completeReservation()
                            await connectionFailed(error, recipients: [recipient] + remaining, provider: provider, settings: settings, commits: &commits)
                            remaining = []
                            // The relay refused a session: give it a moment before the next claim.
                            try? await Task.sleep(for: .seconds(1))
                            continue
                        }
                    }
                    guard let session = slot.connection else {
                        _ = await completeReservation()
                        continue
                    }
                    switch await prepare(recipient, provider: provider, settings: settings, decoder: variablesDecoder) {
                    case .failed(let delivered):
                        _ = await completeReservation()
                        await commit(delivered, slot: &slot, commits: &commits)
                    case .message(let message, let started, let firstAttemptAt):
                        let outgoing = OutgoingMessage(sender: message.envelopeSender, recipients: [message.envelopeRecipient], data: message.bytes)
                        let sending = Task { () -> Result<TransactionResult, SMTPError> in
                            do throws(SMTPError) { return .success(try await session.send(outgoing)) } catch { return .failure(error) }
                        }
                        slot.inFlight.append(InFlight(recipient: recipient, provider: provider, session: session, started: started,
                                                      firstAttemptAt: firstAttemptAt, completeReservation: completeReservation, sending: sending))
                        slot.sentOnConnection += 1
                    }
                }
                // A batch that ran out leaves its last messages on the session: the next batch
                // follows them without a pause. One that stopped early has every message on
                // the session recorded first; a message that had no turn goes back with the claims.
                if stopBatch || !remaining.isEmpty || engine.isStopping {
                    _ = await settleAll(&slot, remaining: &remaining, settings: settings, commits: &commits)
                }
                if !halted.isEmpty {
                    await release(halted)
                }
                if !postponed.isEmpty {
                    await postpone(postponed)
                    let now = Date()
                    postponeCursor = postponeCursor.filter { $0.value > now }
                }
                if !remaining.isEmpty {
                    await release(remaining.map(\.id))
                    if !engine.isStopping { try? await Task.sleep(for: .milliseconds(250)) }
                }
            }
            await drain(&slot, settings: engine.settings.current, commits: &commits)
            await commits.waitForAll()
        }
        if let held = heldProvider { await engine.throttle.releaseConnection(provider: held) }
        if let connection = slot.connection { await connection.quit() }
    }

    /// Messages on one session at once: the current one and the next, whose MAIL, RCPT and
    /// DATA follow the current one's data in the same write (RFC 2920 section 3.1), so a
    /// message costs one round trip to the relay instead of two.
    static let pipelineDepth = 2

    /// Without PIPELINING the session would only hold the next message until the current one
    /// ends, out of reach of a pause or cancel: it is handed over one at a time.
    static func pipelineDepth(of connection: SMTPConnection?) -> Int {
        connection?.session.extensions.pipelining == false ? 1 : pipelineDepth
    }

    /// A message handed to the session whose outcome is not recorded yet.
    struct InFlight: Sendable {
        let recipient: ClaimedRecipient
        let provider: String
        let session: SMTPConnection
        let started: Date
        let firstAttemptAt: Date
        /// Counts the send as done in the throttles; the entry goes into the send log with the outcome.
        let completeReservation: @Sendable () async -> QueueStore.SendLogEntry
        let sending: Task<Result<TransactionResult, SMTPError>, Never>
    }

    /// The worker's session and what rides on it.
    struct SessionSlot {
        var connection: SMTPConnection?
        var sentOnConnection = 0
        /// Oldest first, at most ``pipelineDepth``.
        var inFlight: [InFlight] = []
        /// The last session that a message's answer ended (a 421, a dropped connection): a
        /// message queued behind that answer never had its turn.
        var endedSession: SMTPConnection?
        /// Outcomes waiting for their group commit.
        var uncommitted = 0
    }

    /// Waits for the oldest message on the session and records its outcome. Returns false
    /// when the batch must stop: the account was paused, or the scope is cooling down.
    private func settleOldest(_ slot: inout SessionSlot, remaining: inout ArraySlice<ClaimedRecipient>, settings: RuntimeSettings,
                              commits: inout TaskGroup<Void>) async -> Bool {
        guard !slot.inFlight.isEmpty else { return true }
        let item = slot.inFlight.removeFirst()
        let sent = await item.sending.value
        if case .failure(let error) = sent, error.endedBeforeItsTurn, let ended = slot.endedSession, ended === item.session {
            // It never had its turn: it goes again on the next session and no attempt is
            // counted. Only behind a message that was charged for the session's end (recorded
            // just before, oldest first), so a relay that keeps dropping fresh sessions cannot
            // make a message go round without attempts. Its throttle reservation stays spent,
            // which errs on the slow side.
            _ = await item.completeReservation()
            remaining.insert(item.recipient, at: remaining.startIndex)
            logger.debug("message queued behind a session that ended; sent again on the next one",
                         metadata: ["job_id": "\(item.recipient.jobID)", "recipient": "\(item.recipient.address)"])
            return true
        }
        var delivered = await conclude(item.recipient, provider: item.provider, settings: settings, started: item.started,
                                       firstAttemptAt: item.firstAttemptAt, sent: sent)
        // In the outcome's transaction: a crash that keeps the outcome keeps the send in the
        // windows too (housekeeping writes it as well; the second write is a no-op).
        delivered.outcome.sendLog = await item.completeReservation()
        if !delivered.connectionUsable {
            slot.endedSession = item.session
            if slot.connection === item.session { slot.connection = nil }
        }
        // A session no longer in use is closed once nothing rides it any more: never under a
        // message still on the wire.
        if slot.connection !== item.session, !slot.inFlight.contains(where: { $0.session === item.session }) {
            await item.session.quit()
        }
        await commit(delivered, slot: &slot, commits: &commits)
        if case .pauseAccount(let reason) = delivered.decision {
            await pauseAccount(reason: reason)
            return false
        }
        if case .requeue = delivered.decision {
            // The scope is cooling down: the rest of this batch would only wait.
            return false
        }
        return true
    }

    /// Errors with which the session refused one message itself before writing anything (too
    /// large for the relay's SIZE, 8-bit or UTF-8 the relay cannot take, an address that cannot
    /// be written as a command): the session carries on with the next message.
    static func refusesOnlyThisMessage(_ error: SMTPError) -> Bool {
        switch error.kind {
        case .messageTooLarge, .smtpUTF8NotSupported, .eightBitNotSupported, .invalidCommand:
            return error.stage == .mail || error.stage == .rcpt || error.stage == .data
        default:
            return false
        }
    }

    /// Records every message on the session, whatever one of them decides; false when one
    /// of them stopped the batch (see ``settleOldest``).
    private func settleAll(_ slot: inout SessionSlot, remaining: inout ArraySlice<ClaimedRecipient>, settings: RuntimeSettings,
                           commits: inout TaskGroup<Void>) async -> Bool {
        var keepGoing = true
        while !slot.inFlight.isEmpty {
            if await !settleOldest(&slot, remaining: &remaining, settings: settings, commits: &commits) { keepGoing = false }
        }
        return keepGoing
    }

    /// Hands an outcome to the group committer. The committer retries what can pass (a full
    /// disk, a locked database); what it gives up on is logged with the recipient, because that
    /// recipient then stays `sending` until the next start, which queues it again.
    static func submit(_ outcome: DeliveryOutcome, to committer: OutcomeCommitter, throttle: ThrottleCoordinator, logger: Logger) async {
        do {
            try await committer.submit(outcome)
            if let sendID = outcome.sendLog?.sendID { await throttle.sendLogged(sendID) }
        } catch {
            logger.error("cannot record a delivery outcome; the recipient is queued again at the next start and may get the message twice",
                         metadata: ["job_id": "\(outcome.jobID)", "recipient_id": "\(outcome.recipientID)", "error": "\(error)"])
        }
    }

    /// A claimed recipient whose provider or job must wait longer than a batch should.
    struct Postponed {
        var recipientID: Int64
        var until: Date
        var scope: ThrottleScope
    }

    /// Puts postponed recipients back as deferred until their scope may send again (no attempt
    /// spent, the reason in their last text); a failure leaves them to the next start, logged.
    private func postpone(_ recipients: [Postponed]) async {
        let postponements = recipients.map { recipient in
            QueueStore.Postponement(recipientID: recipient.recipientID, until: recipient.until,
                                    reason: "waiting for the \(recipient.scope) throttle until \(recipient.until.formatted(.iso8601))")
        }
        do {
            try await engine.store.run { try $0.postponeClaims(postponements) }
        } catch {
            logger.error("cannot postpone claimed recipients; they are given back at the next start",
                         metadata: ["recipients": "\(recipients.count)", "error": "\(error)"])
        }
        logger.debug("recipients postponed while their provider or job waits", metadata: ["recipients": "\(recipients.count)"])
    }

    /// Gives claims back; a failure is logged (the claims stay `sending` until the next start,
    /// which hands them back), never silent.
    private func release(_ ids: [Int64]) async {
        do {
            _ = try await engine.store.run { try $0.releaseClaims(ids) }
            // Another worker (of this account, or of another account of the same job) may be
            // idle waiting for work: these are claimable now.
            engine.work.signal()
        } catch {
            logger.error("cannot give claimed recipients back to the queue; they are given back at the next start",
                         metadata: ["recipients": "\(ids.count)", "error": "\(error)"])
        }
    }

    /// Records every message on the session; one that had no turn goes back to the queue.
    private func drain(_ slot: inout SessionSlot, settings: RuntimeSettings, commits: inout TaskGroup<Void>) async {
        var leftover: ArraySlice<ClaimedRecipient> = []
        _ = await settleAll(&slot, remaining: &leftover, settings: settings, commits: &commits)
        if !leftover.isEmpty {
            await release(leftover.map(\.id))
        }
    }

    /// Hands an outcome to the group committer, waiting when too many are pending.
    private func commit(_ delivered: Delivered, slot: inout SessionSlot, commits: inout TaskGroup<Void>) async {
        commits.addTask { [engine, logger] in await Self.submit(delivered.outcome, to: engine.committer, throttle: engine.throttle, logger: logger) }
        slot.uncommitted += 1
        if slot.uncommitted >= Self.maximumUncommitted {
            await commits.waitForAll()
            slot.uncommitted = 0
        }
    }

    private func connect(_ configuration: AccountConfiguration, settings: RuntimeSettings) async throws(SMTPError) -> SMTPConnection {
        let machine = SessionStateMachine.Configuration(
            clientName: configuration.heloName ?? settings.configuration.hostname, host: configuration.host, port: configuration.port,
            tlsMode: configuration.tlsMode, credentials: configuration.credentials, authMechanism: configuration.authMechanism,
            allowsAuthenticationWithoutTLS: configuration.allowsPlaintextAuthentication, timeouts: configuration.timeouts)
        var smtpLogger = logger
        smtpLogger.logLevel = min(logger.logLevel, .info)
        return try await SMTPConnection.connect(configuration: machine, tlsContext: settings.tlsContexts[account], logger: smtpLogger)
    }

    struct Delivered: Sendable {
        var outcome: DeliveryOutcome
        var decision: RecipientDecision
        var connectionUsable: Bool
    }

    /// A message ready for the session, or the outcome of a render that failed.
    enum Prepared: Sendable {
        case message(RenderedMessage, started: Date, firstAttemptAt: Date)
        case failed(Delivered)
    }

    /// Renders (and signs) one message just before it is sent.
    private func prepare(_ recipient: ClaimedRecipient, provider: String, settings: RuntimeSettings, decoder: JSONDecoder) async -> Prepared {
        let started = Date()
        var message: RenderedMessage
        // The maximum age counts from the recipient's first attempt, not from the job's
        // creation: a job scheduled far ahead, or spread over days by a daily cap, must not
        // expire a recipient at its first greylisting.
        let firstAttemptAt = recipient.firstAttemptAt ?? started
        do {
            let job = try await engine.composers.context(jobID: recipient.jobID, store: engine.store)
            message = try job.composer.render(
                recipient: CampaignWire.campaignRecipient(recipient, decoder: decoder),
                context: RenderContext(jobID: recipient.jobID, recipientID: recipient.id, date: started,
                                       unsubscribeSecret: settings.unsubscribeSecret, hostname: settings.configuration.hostname))
            if let signer = settings.dkimSigners[account] {
                message.bytes = try signer.signed(message: message.bytes, at: started)
            }
        } catch {
            // A message that cannot be rendered will not render next time either.
            let attempt = AttemptInfo(at: started, stage: "render", text: "\(error)", replyClass: .reject, rule: "render-error")
            logger.warning("message cannot be rendered", metadata: ["job_id": "\(recipient.jobID)", "recipient": "\(recipient.address)", "error": "\(error)"])
            return .failed(Delivered(outcome: DeliveryOutcome(recipientID: recipient.id, jobID: recipient.jobID, account: account, provider: provider,
                                                              attempt: attempt, transition: .failed),
                                     decision: .fail, connectionUsable: true))
        }
        return .message(message, started: started, firstAttemptAt: firstAttemptAt)
    }

    /// Decides what the session's answer for one message means, and records its effects
    /// (throttle, circuit breaker, log).
    private func conclude(_ recipient: ClaimedRecipient, provider: String, settings: RuntimeSettings, started: Date, firstAttemptAt: Date,
                          sent: Result<TransactionResult, SMTPError>) async -> Delivered {
        let classification: Classification
        let reply: SMTPReply?
        let stage: SMTPStage
        var usable = true
        switch sent {
        case .success(let result):
            if let refused = result.recipients.first(where: { !$0.accepted }) {
                stage = refused.stage
                reply = refused.reply
            } else {
                stage = .dot
                reply = result.finalReply
            }
            usable = !result.sessionClosed
            if let reply {
                classification = settings.classifier.classify(reply: reply, stage: stage)
            } else {
                classification = Classification(replyClass: .transient, rule: "no-final-reply", source: "maild")
            }
        case .failure(let error):
            stage = error.stage
            reply = error.reply
            classification = settings.classifier.classify(error)
            usable = Self.refusesOnlyThisMessage(error)
        }
        let now = Date()
        let policy = DeliveryPolicy(retry: settings.retryPolicy)
        let decision = policy.decide(classification, attempt: recipient.attempts + 1, firstAttemptAt: firstAttemptAt, now: now,
                                     detail: reply.map { "\($0.code) \($0.text)" })
        let attempt = AttemptInfo(at: now, stage: stage.rawValue, code: reply.map { Int($0.code) }, enhanced: reply?.enhancedCode?.description,
                                  text: reply?.text, replyClass: classification.replyClass, rule: classification.rule,
                                  durationMilliseconds: Int(now.timeIntervalSince(started) * 1000))
        let transition: DeliveryOutcome.Transition
        switch decision {
        case .sent:
            transition = .sent
            engine.activity.recordSent()
            await engine.throttle.noteSuccess(account: account, provider: provider)
        case .defer(let until): transition = .deferred(until: until)
        case .expire: transition = .failed
        case .requeue:
            transition = .requeued
            await engine.throttle.noteThrottle(account: account, provider: provider, code: reply.map { Int($0.code) },
                                               replyText: reply.map { "\($0.enhancedCode.map { "\($0) " } ?? "")\($0.text)" } ?? "",
                                               rule: classification.rule)
        case .failAndSuppress: transition = .suppressAndFail
        case .fail: transition = .failed
        case .pauseAccount: transition = .requeued
        }
        logger.debug("delivery attempt", metadata: [
            "job_id": "\(recipient.jobID)", "recipient": "\(recipient.address)", "provider": "\(provider)",
            "smtp_code": "\(reply.map { String($0.code) } ?? "")", "smtp_enhanced": "\(reply?.enhancedCode?.description ?? "")",
            "attempt": "\(recipient.attempts + 1)", "class": "\(classification.replyClass)", "rule": "\(classification.rule)", "stage": "\(stage.rawValue)",
        ])
        if [.success, .bounce, .reject].contains(classification.replyClass) {
            await engine.breakers.prepare(jobID: recipient.jobID, settings: settings, store: engine.store, logger: logger)
        }
        if classification.replyClass != .throttle, classification.replyClass != .account,
           let tripped = engine.breakers.record(classification.replyClass, jobID: recipient.jobID, settings: settings) {
            let jobID = recipient.jobID
            logger.warning("bounce circuit breaker tripped; job paused", metadata: ["job_id": "\(jobID)", "reason": "\(tripped)"])
            do {
                try await engine.store.run { try $0.pause(jobID: jobID, reason: "circuit breaker: \(tripped)") }
                // Every worker stops the job's claimed messages now, not at the next housekeeping:
                // against a relay that refuses at RCPT a whole batch would go out in that time.
                engine.noteHalted(jobID: jobID)
            } catch {
                logger.error("cannot pause the job the breaker tripped on", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
            }
        }
        // The throttle's reservation already went into the send log (with the job), so the
        // outcome must not count the send a second time.
        let outcome = DeliveryOutcome(recipientID: recipient.id, jobID: recipient.jobID, account: account, provider: provider, attempt: attempt,
                                      transition: transition, countsTowardLimits: false)
        return Delivered(outcome: outcome, decision: decision, connectionUsable: usable)
    }

    /// The session could not be opened: an account problem pauses the account's jobs; a
    /// throttle reply (a 421 greeting) slows the account down and re-queues the messages
    /// without spending an attempt; anything else defers them like any transient failure.
    private func connectionFailed(_ error: SMTPError, recipients: [ClaimedRecipient], provider: String, settings: RuntimeSettings,
                                  commits: inout TaskGroup<Void>) async {
        let classification = settings.classifier.classify(error)
        if classification.replyClass == .account {
            await release(recipients.map(\.id))
            await pauseAccount(reason: "\(error)")
            return
        }
        let now = Date()
        if classification.replyClass == .throttle {
            let reply = error.reply
            await engine.throttle.noteSessionThrottle(account: account, code: reply.map { Int($0.code) },
                                                      replyText: reply.map { "\($0.enhancedCode.map { "\($0) " } ?? "")\($0.text)" } ?? "\(error)",
                                                      rule: classification.rule, now: now)
            logger.warning("the relay refused a session for now; messages re-queued without an attempt", metadata: ["error": "\(error)", "rule": "\(classification.rule)"])
            for recipient in recipients {
                let attempt = AttemptInfo(at: now, stage: error.stage.rawValue, code: reply.map { Int($0.code) }, enhanced: reply?.enhancedCode?.description,
                                          text: "\(error)", replyClass: .throttle, rule: classification.rule)
                let outcome = DeliveryOutcome(recipientID: recipient.id, jobID: recipient.jobID, account: account, provider: provider, attempt: attempt,
                                              transition: .requeued, countsTowardLimits: false)
                commits.addTask { [engine, logger] in await Self.submit(outcome, to: engine.committer, throttle: engine.throttle, logger: logger) }
            }
            return
        }
        logger.warning("cannot open an SMTP session; messages deferred", metadata: ["error": "\(error)", "class": "\(classification.replyClass)"])
        let policy = DeliveryPolicy(retry: settings.retryPolicy)
        for recipient in recipients {
            let decision = policy.decide(class: .transient, attempt: recipient.attempts + 1, firstAttemptAt: recipient.firstAttemptAt ?? now, now: now)
            let transition: DeliveryOutcome.Transition = if case .defer(let until) = decision { .deferred(until: until) } else { .failed }
            let attempt = AttemptInfo(at: now, stage: error.stage.rawValue, code: error.reply.map { Int($0.code) }, enhanced: error.reply?.enhancedCode?.description,
                                      text: "\(error)", replyClass: .transient, rule: classification.rule)
            let outcome = DeliveryOutcome(recipientID: recipient.id, jobID: recipient.jobID, account: account, provider: provider, attempt: attempt,
                                          transition: transition, countsTowardLimits: false)
            commits.addTask { [engine, logger] in await Self.submit(outcome, to: engine.committer, throttle: engine.throttle, logger: logger) }
        }
    }

    private func pauseAccount(reason: String) async {
        let result: AccountPauseResult
        do {
            result = try await engine.store.run { [account] in try $0.pauseAccount(account, reason: "account \(account): \(reason)") }
        } catch {
            logger.error("could not record the account's pause; its jobs stay as they are", metadata: ["error": "\(error)"])
            return
        }
        for jobID in result.pausedJobs { engine.noteHalted(jobID: jobID) }
        if !result.pausedJobs.isEmpty {
            logger.error("account refused by the relay; its jobs are paused until `mailctl resume`", metadata: [
                "reason": "\(reason)", "jobs": "\(result.pausedJobs.map(String.init).joined(separator: ","))",
            ])
        }
        for job in result.carriedOn {
            logger.error("account refused by the relay; the job goes on through its other accounts until `mailctl resume`", metadata: [
                "reason": "\(reason)", "job_id": "\(job.jobID)", "accounts": "\(job.accounts.joined(separator: ","))",
            ])
        }
        if !result.carriedOn.isEmpty { engine.work.signal() }
    }
}
