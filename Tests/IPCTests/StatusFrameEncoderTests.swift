import Foundation
@testable import IPC
import NIOCore
import Testing

/// The hand-written status answers must be byte for byte what Foundation's encoder writes,
/// since mailctl --json prints them and scripts compare them.
struct StatusFrameEncoderTests {
    static func randomStatus(using generator: inout some RandomNumberGenerator) -> JobStatus {
        let pieces = JSONTextTests.awkward + ["\u{10FFFF}", "a\u{0}b", "\u{08}\u{0C}", "x", ""]
        func text() -> String { pieces.randomElement(using: &generator) ?? "" }
        func date() -> Date {
            // Whole seconds, fractions, the edges of the range the encoder takes, and beyond it.
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: return Date(timeIntervalSince1970: Double(Int.random(in: 0...4_102_444_800, using: &generator)))
            case 1: return Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &generator))
            case 2: return Date(timeIntervalSince1970: [0, 0.999, 951_782_400, 4_107_542_400, 253_402_300_799.5].randomElement(using: &generator) ?? 0)
            case 3: return Date(timeIntervalSince1970: Double.random(in: 0...253_402_300_799, using: &generator))
            case 4: return Date(timeIntervalSince1970: -Double.random(in: 0.5...1e9, using: &generator))
            default: return Date()
            }
        }
        func count() -> Int { [0, 1, 99_999, Int.random(in: 0...Int.max, using: &generator)].randomElement(using: &generator) ?? 0 }
        let states: [JobStatus.State] = [.queued, .scheduled, .running, .paused, .completed, .cancelled]
        return JobStatus(
            jobID: [1, 0, -5, Int64.max, Int64.min].randomElement(using: &generator) ?? 1, name: text(), account: text(),
            ownerUID: UInt32.random(in: 0...UInt32.max, using: &generator), state: states.randomElement(using: &generator) ?? .queued,
            pauseReason: Bool.random(using: &generator) ? text() : nil,
            counts: RecipientCounts(total: count(), pending: count(), sending: count(), sent: count(), deferred: count(),
                                    failed: count(), skipped: count(), cancelled: count()),
            duplicates: count(), createdAt: date(), sendAt: Bool.random(using: &generator) ? date() : nil,
            startedAt: Bool.random(using: &generator) ? date() : nil, finishedAt: Bool.random(using: &generator) ? date() : nil,
            accounts: Bool.random(using: &generator) ? (0..<Int.random(in: 0...3, using: &generator)).map { _ in text() } : nil,
            accountPauses: Bool.random(using: &generator)
                ? (0..<Int.random(in: 0...3, using: &generator)).map { _ in AccountPause(account: text(), reason: text()) } : nil)
    }

    @Test func writesWhatFoundationWrites() throws {
        var generator = SystemRandomNumberGenerator()
        var fastCount = 0
        for round in 0..<5_000 {
            let statuses = (0..<Int.random(in: 0...3, using: &generator)).map { _ in Self.randomStatus(using: &generator) }
            let response: IPCResponse = switch round % 3 {
            case 0: .job(statuses.first ?? Self.randomStatus(using: &generator))
            case 1: .event(statuses.first ?? Self.randomStatus(using: &generator))
            default: .jobs(statuses)
            }
            let frame = ResponseFrame(id: UInt64.random(in: 0...UInt64.max, using: &generator), response: response)
            let reference = String(buffer: try FrameCoding.encode(frame))
            guard let fast = StatusFrameEncoder.encode(frame) else {
                // Only dates outside 1970...9999 are left to Foundation.
                #expect(reference.contains("\"19") || reference.contains("\"-") || reference.contains("\"0"), "declined \(reference)")
                continue
            }
            fastCount += 1
            #expect(String(buffer: fast) == reference)
        }
        #expect(fastCount > 1_000)
    }

    @Test func leavesOtherAnswersToFoundation() {
        #expect(StatusFrameEncoder.encode(ResponseFrame(id: 1, response: .error(IPCFailure(.notFound, "no job 3")))) == nil)
        #expect(StatusFrameEncoder.encode(ResponseFrame(id: 1, response: .chunkAccepted(ChunkAccepted(inserted: 1, duplicates: 2)))) == nil)
    }

    @Test func datesAcrossLeapYearsAndCenturies() {
        let formatter = ISO8601DateFormatter()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let seconds = Int64.random(in: 0..<253_402_300_800, using: &generator)
            var output: [UInt8] = []
            #expect(StatusFrameEncoder.appendDate(Date(timeIntervalSince1970: Double(seconds)), to: &output))
            let expected = "\"" + formatter.string(from: Date(timeIntervalSince1970: Double(seconds))) + "\""
            #expect(String(decoding: output, as: UTF8.self) == expected)
        }
    }
}
