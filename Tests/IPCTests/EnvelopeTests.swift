import Foundation
import IPC
import NIOCore
import Testing

@Suite struct EnvelopeTests {
    static let requests: [IPCRequest] = [
        .hello(Hello(client: "test")),
        .submitBegin(SubmitBegin(spec: Data("{\"name\":\"x\"}".utf8), idempotencyKey: "k-1")),
        .submitChunk(SubmitChunk(jobID: 7, recipients: [WireRecipient(address: "a@example.com", name: "Å", variables: ["city": "Oslo"])])),
        .submitCommit(SubmitCommit(jobID: 7, duplicatesRemovedByClient: 2, skippedByClient: 1)),
        .submitAbort(JobReference(jobID: 7)),
        .status(JobReference(jobID: 1)),
        .list(ListJobs(includeFinished: true)),
        .watch(JobReference(jobID: 2)),
        .pause(PauseJob(jobID: 3, reason: "maintenance")),
        .resume(JobReference(jobID: 3)),
        .cancel(JobReference(jobID: 4)),
        .retryFailed(JobReference(jobID: 5)),
        .report(ReportRequest(jobID: 6, afterRecipientID: 100, limit: 50)),
        .unsubscribe(Unsubscribe(token: String(repeating: "t", count: 43), address: "a@example.com", jobID: 8)),
        .unsubscribe(Unsubscribe(token: "t", address: "a@example.com")),
        .verify(VerifyAccount(account: "gmail")),
    ]

    @Test(arguments: requests)
    func requestRoundTrips(_ request: IPCRequest) throws {
        let buffer = try FrameCoding.encode(RequestFrame(id: 42, request: request))
        let decoded = try FrameCoding.decode(RequestFrame.self, from: buffer)
        #expect(decoded == RequestFrame(id: 42, request: request))
        let json = try #require(String(buffer: buffer).data(using: .utf8))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["type"] as? String == request.type)
    }

    @Test func wireUsesSnakeCaseKeys() throws {
        let buffer = try FrameCoding.encode(RequestFrame(id: 1, request: .report(ReportRequest(jobID: 6, afterRecipientID: 9))))
        #expect(String(buffer: buffer) == #"{"body":{"after_recipient_id":9,"job_id":6,"limit":10000},"id":1,"type":"report"}"#)
    }

    @Test func responsesRoundTrip() throws {
        let status = JobStatus(jobID: 9, name: "n", account: "a", ownerUID: 1000, state: .paused, pauseReason: "account",
                               counts: RecipientCounts(total: 3, pending: 1, sent: 1, failed: 1), duplicates: 0,
                               createdAt: Date(timeIntervalSince1970: 1_700_000_000), sendAt: nil, startedAt: nil, finishedAt: nil)
        let responses: [IPCResponse] = [
            .hello(HelloReply(server: "maild", uid: 0, admin: true)), .submitStarted(SubmitStarted(jobID: 9, replay: true)),
            .chunkAccepted(ChunkAccepted(inserted: 10, duplicates: 1)), .job(status), .jobs([status]), .event(status),
            .report(ReportPage(rows: [ReportRow(recipientID: 1, address: "a@b", state: "failed", attempts: 1, lastClass: "bounce",
                                                lastStage: "rcpt", lastCode: 550, lastEnhancedCode: "5.1.1", lastText: "no", updatedAt: nil)],
                               nextAfterRecipientID: nil)),
            .verified(VerifyReply(account: "a", ok: true, summary: "ok")), .error(IPCFailure(.notFound, "no job 9")),
            .unsubscribed(Unsubscribed(address: "a@example.com", jobID: 9, alreadySuppressed: false)),
        ]
        for response in responses {
            let decoded = try FrameCoding.decode(ResponseFrame.self, from: try FrameCoding.encode(ResponseFrame(id: 3, response: response)))
            #expect(decoded.response == response)
        }
    }

    /// A daemon older than the features list announces none, and mailctl treats every
    /// feature as missing; this one announces failover accounts.
    @Test func helloAnnouncesFeatures() throws {
        let old = try FrameCoding.decode(ResponseFrame.self, from: ByteBuffer(string:
            #"{"body":{"admin":false,"protocol_version":1,"server":"maild","uid":1000},"id":1,"type":"hello"}"#))
        guard case .hello(let oldHello) = old.response else { Issue.record("not a hello: \(old)"); return }
        #expect(!oldHello.supports(IPCFeature.accounts))
        let current = HelloReply(server: "maild", uid: 1000, admin: false)
        #expect(current.supports(IPCFeature.accounts))
        #expect(String(buffer: try FrameCoding.encode(ResponseFrame(id: 1, response: .hello(current)))).contains(#""features":["accounts"]"#))
    }

    @Test func unknownTypeIsReportedByName() {
        #expect(throws: IPCError.unknownType("explode")) {
            _ = try FrameCoding.decode(RequestFrame.self, from: ByteBuffer(string: #"{"id":1,"type":"explode","body":{}}"#))
        }
    }

    @Test func badBodySaysWhichFieldIsWrong() {
        do {
            _ = try FrameCoding.decode(RequestFrame.self, from: ByteBuffer(string: #"{"id":1,"type":"status","body":{"job_id":"seven"}}"#))
            Issue.record("decoded a string job id")
        } catch {
            #expect(error.description.contains("body.job_id"))
        }
    }

    @Test func garbageIsNotJSON() {
        #expect(throws: IPCError.malformedFrame(detail: "not valid JSON")) {
            _ = try FrameCoding.decode(RequestFrame.self, from: ByteBuffer(bytes: [0xFF, 0x00, 0x7B]))
        }
    }
}
