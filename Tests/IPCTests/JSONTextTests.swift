import Foundation
import IPC
import NIOCore
import Testing

/// The hand-written JSON of large submits must read back exactly as Foundation reads JSON.
struct JSONTextTests {
    static let awkward = ["plain", "", "quote \" backslash \\ slash /", "line\nbreak\rtab\t", "bell \u{07} backspace \u{08} form feed \u{0C} nul \u{00} esc \u{1B} del \u{7F}",
                          "accents éàü", "emoji 👩‍💻", "{\"json\":[1,2]}", "\u{2028}\u{2029}"]

    @Test func objectsReadBackIdentically() throws {
        var object: [String: String] = [:]
        for (index, value) in Self.awkward.enumerated() { object["key \(value) \(index)"] = value }
        let text = JSONText.object(object)
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        #expect(decoded == object)
        // Keys sorted: equal dictionaries give equal text.
        #expect(JSONText.object(object) == text)
        #expect(JSONText.object([:]) == "{}")
    }

    @Test func submitChunkFrameDecodesToTheSameRequest() throws {
        let recipients = Self.awkward.enumerated().map { index, value in
            WireRecipient(address: "user\(index)@example.com", name: index.isMultiple(of: 2) ? value : nil,
                          variables: index == 0 ? [:] : ["first_name": value, "n": "\(index)"])
        }
        let bytes = JSONText.submitChunkFrame(id: 42, jobID: 7, recipients: recipients)
        let frame = try FrameCoding.decode(RequestFrame.self, from: ByteBuffer(bytes: bytes))
        #expect(frame.id == 42)
        #expect(frame.request == .submitChunk(SubmitChunk(jobID: 7, recipients: recipients)))
        // And it is the JSON the generic encoder writes.
        let generic = try FrameCoding.encode(RequestFrame(id: 42, request: .submitChunk(SubmitChunk(jobID: 7, recipients: recipients))))
        #expect(String(decoding: bytes, as: UTF8.self) == String(buffer: generic))
    }
}
