import Foundation
import IPC
import NIOCore
import NIOEmbedded
import Testing

/// The cheap part of the libFuzzer harness (Tests/Fuzz, target ipc) in the regular suite:
/// random and mutated byte streams through the real NIO pipeline, in reads of random size, up to
/// the end of the stream. The decoder must yield exactly the frames the framing defines, or stop
/// with the typed error the framing predicts (empty, too large, truncated at EOF); never crash,
/// never anything else. Every frame is then decoded as maild does, which answers or throws a
/// typed IPCError.
@Suite struct FuzzFrameDecoderPropertyTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let limit = 256

    static let bodies: [String] = [
        #"{"id":1,"type":"hello","body":{"protocol_version":1,"client":"mailctl"}}"#,
        #"{"id":2,"type":"status","body":{"job_id":7}}"#,
        #"{"id":3,"type":"submit_chunk","body":{"job_id":7,"recipients":[{"address":"a@example.com","variables":{}}]}}"#,
        #"{"id":4,"type":"launch","body":{}}"#,
        #"{"id":5,"type":"list"}"#,
        "not json at all",
    ]

    enum Outcome: Equatable {
        case frames([[UInt8]])
        case failure(frames: [[UInt8]], IPCError)
    }

    /// The framing as docs/protocol.md defines it, including the end of the stream.
    static func model(_ stream: [UInt8]) -> Outcome {
        var frames: [[UInt8]] = []
        var index = 0
        while stream.count - index >= 4 {
            let length = stream[index..<(index + 4)].reduce(0) { $0 << 8 | Int($1) }
            if length == 0 { return .failure(frames: frames, .emptyFrame) }
            if length > limit { return .failure(frames: frames, .frameTooLarge(declaredLength: length, limit: limit)) }
            guard stream.count - index - 4 >= length else {
                return .failure(frames: frames, .truncatedFrame(declaredLength: length, receivedBytes: stream.count - index))
            }
            frames.append(Array(stream[(index + 4)..<(index + 4 + length)]))
            index += 4 + length
        }
        if index < stream.count {
            return .failure(frames: frames, .truncatedFrame(declaredLength: nil, receivedBytes: stream.count - index))
        }
        return .frames(frames)
    }

    /// Valid frames, then one of: nothing, flipped bytes, a cut, a zero or huge length, noise.
    static func stream(using generator: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<Int.random(in: 0...4, using: &generator) {
            let body = Array(bodies.randomElement(using: &generator)!.utf8)
            bytes += [0, 0, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        }
        switch Int.random(in: 0...5, using: &generator) {
        case 0:
            break
        case 1:
            for _ in 0..<Int.random(in: 1...4, using: &generator) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            }
        case 2:
            bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))
        case 3:
            bytes += [0, 0, 0, 0]
        case 4:
            bytes += [0xFF, 0xFF, 0xFF, UInt8.random(in: 0...255, using: &generator)]
        default:
            bytes += (0..<Int.random(in: 1...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        return bytes
    }

    static func decode(_ stream: [UInt8], using generator: inout SplitMix64) throws -> Outcome {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maximumFrameSize: limit)))
        var frames: [[UInt8]] = []
        func drain() throws {
            while let frame = try channel.readInbound(as: ByteBuffer.self) { frames.append(Array(frame.readableBytesView)) }
        }
        do {
            var index = 0
            while index < stream.count {
                let end = min(stream.count, index + Int.random(in: 1...40, using: &generator))
                try channel.writeInbound(ByteBuffer(bytes: stream[index..<end]))
                try drain()
                index = end
            }
            _ = try channel.finish()
            try drain()
        } catch let error as IPCError {
            _ = try? channel.finish()
            try drain()
            return .failure(frames: frames, error)
        }
        return .frames(frames)
    }

    @Test func randomAndMutatedStreamsGiveTheFramesOrTheTypedErrorTheFramingDefines() throws {
        var generator = SplitMix64(state: 0x6D61_696C_64)
        for round in 0..<400 {
            let stream = Self.stream(using: &generator)
            let outcome = try Self.decode(stream, using: &generator)
            #expect(outcome == Self.model(stream), "round \(round): \(stream)")
            let frames: [[UInt8]]
            switch outcome {
            case .frames(let all): frames = all
            case .failure(let all, _): frames = all
            }
            for frame in frames {
                let request: RequestFrame
                do {
                    request = try FrameCoding.decode(RequestFrame.self, from: ByteBuffer(bytes: frame))
                } catch {
                    switch error {
                    case .malformedFrame, .unknownType: break
                    default: Issue.record("round \(round): decoding a body threw \(error)")
                    }
                    continue
                }
                #expect(try FrameCoding.decode(RequestFrame.self, from: FrameCoding.encode(request)) == request)
            }
        }
    }
}
