// libFuzzer harness for the streaming recipient CSV reader
// (Sources/Message/Campaign/RecipientCSVReader.swift), built by Tests/Fuzz/run.sh.
//
// Input: the CSV file itself. The reader works on a file in 64 KiB blocks, so each input is
// read as it is and, one input in four, again after a long first record that puts a block
// boundary inside it (a byte-order mark stays first), which is where a streaming reader goes
// wrong.
//
// Invariants, beyond "does not crash":
// - the reader ends with the end of the file or one typed failure, with line numbers that
//   start at 1, only grow, and stay within the file's line count;
// - a block boundary changes nothing but the line numbers, which move by the line added;
// - memory stays bounded: at most one block plus one record is ever held;
// - round trip: the records written back as strict RFC 4180 (every field quoted) read back as
//   the same fields.
import Foundation
@testable import Message

private let workDirectory: String = {
    let base = ProcessInfo.processInfo.environment["FUZZ_WORKDIR"] ?? NSTemporaryDirectory()
    let path = base + "/csv-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

private struct Outcome: Equatable {
    var records: [RecipientCSVReader.Record] = []
    var failure: RecipientCSVReader.Failure?
}

extension RecipientCSVReader.Record: @retroactive Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.line == rhs.line && lhs.fields == rhs.fields }
}

private func read(_ bytes: [UInt8], name: String) -> Outcome {
    let path = workDirectory + "/" + name
    writeFile(path, bytes)
    var outcome = Outcome()
    do {
        let reader = try RecipientCSVReader(path: path)
        while let record = try reader.next() {
            outcome.records.append(record)
        }
        require(reader.peakBufferedBytes <= RecipientCSVReader.blockSize + RecipientCSVReader.longestRecord,
                     "held \(reader.peakBufferedBytes) bytes")
    } catch {
        outcome.failure = error
    }
    return outcome
}

private func lineCount(_ bytes: [UInt8]) -> Int {
    var lines = 1
    for (index, byte) in bytes.enumerated() {
        if byte == 10 || (byte == 13 && (index + 1 == bytes.count || bytes[index + 1] != 10)) { lines += 1 }
    }
    return lines
}

private func check(_ outcome: Outcome, lines: Int) {
    var previous = 0
    for record in outcome.records {
        require(record.line > previous && record.line <= lines, "record at line \(record.line) after \(previous), file of \(lines) lines")
        require(!record.fields.isEmpty, "record without fields")
        previous = record.line
    }
    switch outcome.failure {
    case nil: break
    case .unterminatedQuote(let line)?, .recordTooLong(let line)?:
        require(line > previous && line <= lines, "failure at line \(line) after \(previous)")
    case .notUTF8(let line, let field)?:
        require(line > previous && line <= lines && field >= 1, "notUTF8 at line \(line) field \(field)")
    case .unreadable(let reason)?:
        fail("unreadable: \(reason)")
    }
}

private func shifted(_ outcome: Outcome, by lines: Int) -> Outcome {
    var result = outcome
    result.records = outcome.records.map { RecipientCSVReader.Record(line: $0.line + lines, fields: $0.fields) }
    switch outcome.failure {
    case .unterminatedQuote(let line)?: result.failure = .unterminatedQuote(line: line + lines)
    case .recordTooLong(let line)?: result.failure = .recordTooLong(line: line + lines)
    case .notUTF8(let line, let field)?: result.failure = .notUTF8(line: line + lines, field: field)
    default: break
    }
    return result
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecipientCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let plain = read(bytes, name: "plain.csv")
    check(plain, lines: lineCount(bytes))

    // A block boundary somewhere inside the input, chosen by its last byte, for one input in
    // four: reading 64 KiB costs 15 ms here, which would leave little time to explore.
    guard (bytes.last ?? 0) % 4 == 0 else { return roundTrip(plain) }
    let bom: [UInt8] = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? [0xEF, 0xBB, 0xBF] : []
    let body = bytes.dropFirst(bom.count)
    let inside = body.isEmpty ? 0 : (Int(bytes.last ?? 0) * 31) % (body.count + 1)
    // One long record of 'x' pushes the input there (64 Ki blank lines would cost 50 times more).
    let padding = RecipientCSVReader.blockSize - bom.count - inside
    let filler = [UInt8](repeating: UInt8(ascii: "x"), count: padding - 1)
    var padded = read(bom + filler + [10] + body, name: "padded.csv")
    require(padded.records.first == RecipientCSVReader.Record(line: 1, fields: [String(decoding: filler, as: UTF8.self)]),
            "the filler record was not read back")
    padded.records.removeFirst()
    require(padded == shifted(plain, by: 1), "a block boundary changed the result: \(plain) vs \(padded)")

    return roundTrip(plain)
}

private func roundTrip(_ plain: Outcome) -> CInt {
    guard plain.failure == nil else { return 0 }
    var strict: [UInt8] = []
    for record in plain.records {
        strict += Array(record.fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",").utf8)
        strict += [13, 10]
    }
    let again = read(strict, name: "strict.csv")
    require(again.failure == nil && again.records.map(\.fields) == plain.records.map(\.fields),
                 "RFC 4180 round trip changed the records: \(plain.records.map(\.fields)) vs \(again)")
    return 0
}
