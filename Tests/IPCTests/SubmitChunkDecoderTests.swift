import Foundation
import IPC
import NIOCore
import Testing

/// The fast chunk reader may decline anything, but whatever it reads must be exactly what
/// Foundation reads from the same bytes.
struct SubmitChunkDecoderTests {
    static func foundation(_ bytes: [UInt8]) -> RequestFrame? {
        try? FrameCoding.decode(RequestFrame.self, from: ByteBuffer(bytes: bytes))
    }

    static func expectAgreement(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let fast = SubmitChunkDecoder.decode(ByteBuffer(bytes: bytes)) else { return }
        let reference = foundation(bytes)
        #expect(reference == fast, "fast reader and Foundation disagree on \(String(decoding: bytes, as: UTF8.self))",
                sourceLocation: sourceLocation)
    }

    static func recipients(_ count: Int, using generator: inout some RandomNumberGenerator) -> [WireRecipient] {
        let pieces = JSONTextTests.awkward + ["\u{10FFFF}", "\u{FFFD}", "a\u{0}b", "tab\there", "x"]
        return (0..<count).map { index in
            WireRecipient(address: "user\(index)+\(pieces.randomElement(using: &generator) ?? "")@example.com",
                          name: Bool.random(using: &generator) ? pieces.randomElement(using: &generator) : nil,
                          variables: Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0...3, using: &generator)).map {
                              ("k\($0)\(pieces.randomElement(using: &generator) ?? "")", pieces.randomElement(using: &generator) ?? "")
                          }))
        }
    }

    @Test func readsWhatMailctlWrites() throws {
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 7, 300] {
            let recipients = Self.recipients(count, using: &generator)
            let bytes = JSONText.submitChunkFrame(id: 9, jobID: 123, recipients: recipients)
            let frame = try #require(SubmitChunkDecoder.decode(ByteBuffer(bytes: bytes)))
            #expect(frame == RequestFrame(id: 9, request: .submitChunk(SubmitChunk(jobID: 123, recipients: recipients))))
            #expect(frame == Self.foundation(bytes))
        }
    }

    @Test func readsOtherSpellingsOfTheSameJSON() throws {
        let text = """
             { "type" : "submit_chunk", "id" : 5 ,
               "body": {"recipients": [ {"variables": {"a": "\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\"\\\\"}, "name": null,
                                          "address": "a@example.com"},
                                         {"address": "b@example.com", "variables": {}} ],
                        "job_id": -0 } }\r\n
            """
        let bytes = Array(text.utf8)
        let frame = try #require(SubmitChunkDecoder.decode(ByteBuffer(bytes: bytes)))
        #expect(frame == Self.foundation(bytes))
        guard case .submitChunk(let chunk) = frame.request else { Issue.record("not a chunk"); return }
        #expect(chunk.recipients.first?.variables["a"] == "é😀/\u{08}\u{0C}\n\r\t\"\\")
    }

    /// Shapes it must leave to Foundation: other requests, unknown or repeated keys, numbers
    /// Foundation might read differently, malformed JSON.
    @Test(arguments: [
        #"{"body":{"job_id":1},"id":1,"type":"status"}"#,
        #"{"body":{"job_id":1,"recipients":[]},"id":1,"type":"submit_begin"}"#,
        #"{"body":{"job_id":1,"recipients":[]},"id":1,"type":"submit_chunk","extra":1}"#,
        #"{"body":{"jobId":1,"recipients":[]},"id":1,"type":"submit_chunk"}"#,
        #"{"body":{"job_id":1,"recipients":[{"address":"a@b.c","variables":{},"address":"x@y.z"}]},"id":1,"type":"submit_chunk"}"#,
        #"{"body":{"job_id":1,"recipients":[{"address":"a@b.c","variables":{"k":"1","k":"2"}}]},"id":1,"type":"submit_chunk"}"#,
        #"{"body":{"job_id":1.0,"recipients":[]},"id":1,"type":"submit_chunk"}"#,
        #"{"body":{"job_id":01,"recipients":[]},"id":1,"type":"submit_chunk"}"#,
        #"{"body":{"job_id":1e2,"recipients":[]},"id":1,"type":"submit_chunk"}"#,
        #"{"body":{"job_id":99999999999999999999,"recipients":[]},"id":1,"type":"submit_chunk"}"#,
        #"{"body":{"job_id":1,"recipients":[{"address":"a@b.c"}]},"id":1,"type":"submit_chunk"}"#,
        #"{"body":{"job_id":1,"recipients":[{"address":"a@b.c","variables":{"k":3}}]},"id":1,"type":"submit_chunk"}"#,
        #"{"body":{"job_id":1,"recipients":[{"address":"a\ud800@b.c","variables":{}}]},"id":1,"type":"submit_chunk"}"#,
        #"{"body":{"job_id":1,"recipients":[]},"id":1,"type":"submit_chunk"} x"#,
        #"{"body":{"job_id":1,"recipients":[],},"id":1,"type":"submit_chunk"}"#,
        #"{"body":{"job_id":1,"recipients":[]},"id":-1,"type":"submit_chunk"}"#,
    ])
    func declinesAnythingElse(text: String) {
        #expect(SubmitChunkDecoder.decode(ByteBuffer(bytes: Array(text.utf8))) == nil)
    }

    @Test func declinesRawControlCharactersAndInvalidUTF8() {
        let prefix = Array(#"{"body":{"job_id":1,"recipients":[{"address":""#.utf8)
        let suffix = Array(#"","variables":{}}]},"id":1,"type":"submit_chunk"}"#.utf8)
        for bad: [UInt8] in [[0x0A], [0x00], [0xFF], [0xC3], [0xED, 0xA0, 0x80]] {
            #expect(SubmitChunkDecoder.decode(ByteBuffer(bytes: prefix + bad + suffix)) == nil)
        }
    }

    /// Mutations of valid frames (bytes flipped, cut, duplicated): the reader either declines
    /// or reads what Foundation reads.
    @Test func mutatedFramesNeverMakeItDisagreeWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]:,"\\u0123456789abcdefnull -.eE"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]
        for _ in 0..<3_000 {
            var bytes = JSONText.submitChunkFrame(id: 3, jobID: 4, recipients: Self.recipients(3, using: &generator))
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[position] = alphabet.randomElement(using: &generator) ?? 0
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(alphabet.randomElement(using: &generator) ?? 0, at: position)
                default: bytes = Array(bytes[..<position])
                }
                if bytes.isEmpty { break }
            }
            Self.expectAgreement(bytes)
        }
    }
}
