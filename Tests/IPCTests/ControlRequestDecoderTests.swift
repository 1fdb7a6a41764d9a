import Foundation
import IPC
import NIOCore
import Testing

/// The small-request reader may decline anything, but whatever it reads must be exactly what
/// Foundation reads from the same bytes.
struct ControlRequestDecoderTests {
    static let requests: [IPCRequest] = [
        .status(JobReference(jobID: 1)), .watch(JobReference(jobID: 9_007_199_254_740_993)), .resume(JobReference(jobID: 0)),
        .cancel(JobReference(jobID: 42)), .retryFailed(JobReference(jobID: -3)), .submitAbort(JobReference(jobID: 7)),
        .list(ListJobs(includeFinished: true)), .list(ListJobs(includeFinished: false)),
    ]

    static func foundation(_ bytes: [UInt8]) -> RequestFrame? {
        try? FrameCoding.decode(RequestFrame.self, from: ByteBuffer(bytes: bytes))
    }

    @Test func readsWhatMailctlWrites() throws {
        for (index, request) in Self.requests.enumerated() {
            let frame = RequestFrame(id: UInt64(index) * 1_000_003, request: request)
            let bytes = Array(try FrameCoding.encode(frame).readableBytesView)
            #expect(ControlRequestDecoder.decode(ByteBuffer(bytes: bytes)) == frame)
            #expect(bytes.count <= ControlRequestDecoder.largestFrame)
        }
    }

    /// Python's json.dumps keeps insertion order and puts spaces after separators.
    @Test(arguments: [
        (#"{"id": 2, "type": "status", "body": {"job_id": 17}}"#, RequestFrame(id: 2, request: .status(JobReference(jobID: 17)))),
        (#" { "body" : { "include_finished" : true } , "type" : "list" , "id" : 9223372036854775807 } "#,
         RequestFrame(id: 9_223_372_036_854_775_807, request: .list(ListJobs(includeFinished: true)))),
        ("{\"type\":\"cancel\",\r\n\"id\":0,\"body\":{\"job_id\":-0}}", RequestFrame(id: 0, request: .cancel(JobReference(jobID: 0)))),
    ])
    func readsOtherSpellingsOfTheSameJSON(text: String, expected: RequestFrame) throws {
        let bytes = Array(text.utf8)
        #expect(ControlRequestDecoder.decode(ByteBuffer(bytes: bytes)) == expected)
        #expect(Self.foundation(bytes) == expected)
    }

    /// Shapes it must leave to Foundation: other requests, unknown or repeated keys, the wrong
    /// kind of value, numbers Foundation might read differently, malformed JSON.
    @Test(arguments: [
        #"{"body":{"job_id":1,"reason":"x"},"id":1,"type":"pause"}"#,
        #"{"body":{"job_id":1},"id":1,"type":"hello"}"#,
        #"{"body":{"job_id":1},"id":1,"type":"status","extra":1}"#,
        #"{"body":{"job_id":1,"job_id":2},"id":1,"type":"status"}"#,
        #"{"body":{"job_id":1},"id":1,"type":"status","id":2}"#,
        #"{"body":{"jobId":1},"id":1,"type":"status"}"#,
        #"{"body":{"job_id":1,"x":true},"id":1,"type":"status"}"#,
        #"{"body":{"job_id":true},"id":1,"type":"status"}"#,
        #"{"body":{"include_finished":1},"id":1,"type":"list"}"#,
        #"{"body":{},"id":1,"type":"list"}"#,
        #"{"body":{"job_id":1.0},"id":1,"type":"status"}"#,
        #"{"body":{"job_id":01},"id":1,"type":"status"}"#,
        #"{"body":{"job_id":1e2},"id":1,"type":"status"}"#,
        #"{"body":{"job_id":99999999999999999999},"id":1,"type":"status"}"#,
        #"{"body":{"job_id":"1"},"id":1,"type":"status"}"#,
        #"{"body":{"job_id":1},"id":-1,"type":"status"}"#,
        #"{"body":{"job_id":1},"id":1,"type":"status"} x"#,
        #"{"body":{"job_id":1,},"id":1,"type":"status"}"#,
        #"{"body":{"include_finished":truex},"id":1,"type":"list"}"#,
        #"{"body":{"job_id":1},"id":1}"#,
        #"[{"body":{"job_id":1},"id":1,"type":"status"}]"#,
    ])
    func declinesAnythingElse(text: String) {
        #expect(ControlRequestDecoder.decode(ByteBuffer(bytes: Array(text.utf8))) == nil)
    }

    /// Mutations of valid frames (bytes flipped, cut, duplicated): the reader either declines
    /// or reads what Foundation reads.
    @Test func mutatedFramesNeverMakeItDisagreeWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]:,"\\u0123456789abcdefnull -.eEtrus_"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]
        var agreed = 0
        for round in 0..<20_000 {
            let request = Self.requests[round % Self.requests.count]
            var bytes = Array(try FrameCoding.encode(RequestFrame(id: UInt64(round), request: request)).readableBytesView)
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[position] = alphabet.randomElement(using: &generator) ?? 0
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(alphabet.randomElement(using: &generator) ?? 0, at: position)
                default: bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + 8)], at: position)
                }
            }
            guard let fast = ControlRequestDecoder.decode(ByteBuffer(bytes: bytes)) else { continue }
            agreed += 1
            #expect(Self.foundation(bytes) == fast, "fast reader and Foundation disagree on \(String(decoding: bytes, as: UTF8.self))")
        }
        // Many mutations (a digit changed, a space added) still make a valid request.
        #expect(agreed > 100)
    }
}
