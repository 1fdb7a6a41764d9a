// libFuzzer harness for the IPC frame decoder and envelope decoding (Sources/IPC), built by
// Tests/Fuzz/run.sh.
//
// Input: byte 0 chooses the mode and the read size.
// - bit 7 clear: the rest is the raw byte stream from a client (length prefixes included);
// - bit 7 set: the rest is one frame body, sent with a correct length prefix, so mutations
//   explore the JSON instead of breaking the framing;
// - bits 0-4: size of the reads (1...32 bytes) the stream arrives in;
// - bit 5: a small frame limit (64 bytes) instead of 4096, to exercise `frameTooLarge`.
//
// Invariants, beyond "does not crash":
// - `FrameDecoder.nextFrame` agrees with an independent model of the framing (4-byte big-endian
//   length, then the body): the same frames with the same bytes, the same typed error at the
//   same place, whatever the read size, and it never buffers a byte past a refused header;
// - every frame body is decoded as maild does (`FrameCoding.decode(RequestFrame.self)`, then
//   `EnvelopeHeader` to answer a bad request): failures are typed `IPCError`s with a
//   description; a request that decodes has a readable envelope with the same id and type, and
//   survives an encode/decode round trip unchanged; an unknown type names what the peer sent;
// - a submit chunk written by mailctl's hand-made JSON writer (`JSONText`) decodes to the same
//   request as the one Foundation's encoder writes;
// - maild's fast `SubmitChunkDecoder` and `ControlRequestDecoder`, whenever they read a frame,
//   read what Foundation reads;
// - a response that decodes and holds statuses is written by `StatusFrameEncoder` byte for
//   byte as Foundation's encoder writes it;
// - the same for `ResponseFrame`, what mailctl decodes from the daemon.
import Foundation
@testable import IPC
import NIOCore

private enum ModelResult: Equatable {
    case frames([[UInt8]], leftover: Int)
    case failure([[UInt8]], IPCError)
}

/// The framing as docs/protocol.md describes it, written without NIO.
private func model(_ stream: [UInt8], limit: Int) -> ModelResult {
    var frames: [[UInt8]] = []
    var index = 0
    while stream.count - index >= 4 {
        let length = stream[index..<(index + 4)].reduce(0) { $0 << 8 | Int($1) }
        if length == 0 { return .failure(frames, .emptyFrame) }
        if length > limit { return .failure(frames, .frameTooLarge(declaredLength: length, limit: limit)) }
        guard stream.count - index - 4 >= length else { break }
        frames.append(Array(stream[(index + 4)..<(index + 4 + length)]))
        index += 4 + length
    }
    return .frames(frames, leftover: stream.count - index)
}

private func decodeFrames(_ stream: [UInt8], readSize: Int, limit: Int) -> ModelResult {
    let decoder = FrameDecoder(maximumFrameSize: limit)
    var buffer = ByteBufferAllocator().buffer(capacity: 0)
    var frames: [[UInt8]] = []
    var index = 0
    repeat {
        let end = min(stream.count, index + readSize)
        buffer.writeBytes(stream[index..<end])
        index = end
        do {
            while let frame = try decoder.nextFrame(from: &buffer) {
                require((1...limit).contains(frame.readableBytes), "frame of \(frame.readableBytes) bytes, limit \(limit)")
                frames.append(Array(frame.readableBytesView))
                decodeEnvelope(frame)
            }
        } catch {
            return .failure(frames, error)
        }
    } while index < stream.count
    return .frames(frames, leftover: buffer.readableBytes)
}

/// What maild's IPCServer.handleFrame does with a body, and what mailctl does with an answer.
private func decodeEnvelope(_ frame: ByteBuffer) {
    // maild's fast chunk reader may decline anything, but what it reads Foundation must read
    // the same way.
    if let fast = SubmitChunkDecoder.decode(frame) {
        guard let reference = try? FrameCoding.decode(RequestFrame.self, from: frame) else {
            fail("SubmitChunkDecoder read a frame Foundation refuses: \(String(buffer: frame))")
        }
        require(fast == reference, "SubmitChunkDecoder and Foundation disagree: \(fast) vs \(reference)")
    }
    if let fast = ControlRequestDecoder.decode(frame) {
        guard let reference = try? FrameCoding.decode(RequestFrame.self, from: frame) else {
            fail("ControlRequestDecoder read a frame Foundation refuses: \(String(buffer: frame))")
        }
        require(fast == reference, "ControlRequestDecoder and Foundation disagree: \(fast) vs \(reference)")
    }
    do {
        let request = try FrameCoding.decode(RequestFrame.self, from: frame)
        guard let header = try? FrameCoding.decode(EnvelopeHeader.self, from: frame) else {
            fail("a request that decodes has no readable envelope")
        }
        require(header.id == request.id && header.type == request.request.type, "envelope disagrees with the request")
        let encoded: ByteBuffer
        do { encoded = try FrameCoding.encode(request) } catch { fail("a decoded request does not encode: \(error)") }
        do {
            let again = try FrameCoding.decode(RequestFrame.self, from: encoded)
            require(again == request, "round trip changed the request: \(request) -> \(again)")
        } catch {
            fail("an encoded request does not decode: \(error)")
        }
        // mailctl writes submit chunks with its own JSON writer: it must say the same thing.
        if case .submitChunk(let chunk) = request.request {
            let text = JSONText.submitChunkFrame(id: request.id, jobID: chunk.jobID, recipients: chunk.recipients)
            do {
                let again = try FrameCoding.decode(RequestFrame.self, from: ByteBuffer(bytes: text))
                require(again == request, "JSONText changed the chunk: \(request) -> \(again)")
            } catch {
                fail("JSONText wrote a chunk maild cannot read: \(error): \(String(decoding: text, as: UTF8.self))")
            }
        }
    } catch {
        checkFailure(error, frame: frame)
    }
    do {
        let response = try FrameCoding.decode(ResponseFrame.self, from: frame)
        let encoded: ByteBuffer
        do { encoded = try FrameCoding.encode(response) } catch { fail("a decoded response does not encode: \(error)") }
        if let fast = StatusFrameEncoder.encode(response) {
            require(String(buffer: fast) == String(buffer: encoded),
                    "StatusFrameEncoder and Foundation disagree: \(String(buffer: fast)) vs \(String(buffer: encoded))")
        }
        do {
            let again = try FrameCoding.decode(ResponseFrame.self, from: encoded)
            require(again == response, "round trip changed the response: \(response) -> \(again)")
        } catch {
            fail("an encoded response does not decode: \(error)")
        }
    } catch {
        checkFailure(error, frame: frame)
    }
}

private func checkFailure(_ error: IPCError, frame: ByteBuffer) {
    let text = error.description
    require(!text.isEmpty, "empty error description")
    switch error {
    case .unknownType(let type):
        // The daemon answers with the envelope's id; the type it names must be the peer's.
        guard let header = try? FrameCoding.decode(EnvelopeHeader.self, from: frame) else {
            fail("unknown type \(type) without a readable envelope")
        }
        require(header.type == type, "unknown type \(type) but the envelope says \(header.type)")
    case .malformedFrame:
        break
    default:
        fail("decoding a body threw \(error), not malformedFrame or unknownType")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIPCFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let readSize = Int(first & 0x1F) + 1
    let limit = first & 0x20 != 0 ? 64 : 4096
    var stream = Array(bytes[1...])
    if first & 0x80 != 0 {
        let length = UInt32(stream.count)
        stream = [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + stream
    }
    let expected = model(stream, limit: limit)
    let actual = decodeFrames(stream, readSize: readSize, limit: limit)
    require(actual == expected, "decoder \(actual) but the framing says \(expected)")
    return 0
}
