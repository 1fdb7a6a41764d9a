import Testing
@testable import SMTP

/// Random and mutated byte streams: the parser must return replies or a parse error, never
/// crash, hang or keep more than its limits allow.
struct ReplyParserFuzzTests {
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

    static let seeds = "250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 100\r\n550-5.1.1 no\r\n550 5.1.1 such user\r\n354 go\r\n"

    private func run(_ bytes: [UInt8], using generator: inout SplitMix64) -> Int {
        var parser = ReplyParser(limits: .init(maximumLineLength: 512, maximumLines: 32))
        var index = 0
        var replies = 0
        while index < bytes.count {
            let chunk = Int(generator.next() % 17) + 1
            let end = min(bytes.count, index + chunk)
            parser.append(bytes[index..<end])
            index = end
            do {
                while let reply = try parser.nextReply() {
                    #expect((200...599).contains(reply.code))
                    #expect(reply.lines.count <= 32)
                    replies += 1
                }
            } catch {
                return replies  // a clean error ends the stream, as the client does
            }
        }
        return replies
    }

    @Test func randomBytesNeverCrash() {
        var generator = SplitMix64(state: 0xC0FFEE)
        for _ in 0..<2000 {
            let length = Int(generator.next() % 600)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = run(bytes, using: &generator)
        }
    }

    @Test func mutatedValidRepliesNeverCrash() {
        var generator = SplitMix64(state: 42)
        let base = Array(Self.seeds.utf8)
        let interesting: [UInt8] = [0x0D, 0x0A, 0x20, 0x2D, 0x2E, 0x30, 0x35, 0x00, 0xFF]
        for _ in 0..<3000 {
            var bytes = base
            for _ in 0..<Int(generator.next() % 6) + 1 {
                let position = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[position] = interesting[Int(generator.next() % UInt64(interesting.count))]
                case 1: bytes.remove(at: position)
                default: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: position)
                }
                if bytes.isEmpty { bytes = [0x0A] }
            }
            _ = run(bytes, using: &generator)
        }
    }

    @Test func endlessLineWithoutNewlineIsCutOff() {
        var parser = ReplyParser(limits: .init(maximumLineLength: 1000, maximumLines: 10))
        var failed = false
        for _ in 0..<100 {
            parser.append(Array(repeating: UInt8(ascii: "2"), count: 100))
            do { _ = try parser.nextReply() } catch { failed = true; break }
        }
        #expect(failed)
    }
}
