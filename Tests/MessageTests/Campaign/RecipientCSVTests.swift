import Foundation
@testable import Message
import Testing

/// The CSV reader on the quirks real recipient lists have, and on a million lines.
struct RecipientCSVTests {
    struct Case: Sendable, CustomStringConvertible {
        var label: String
        var bytes: [UInt8]
        var records: [[String]]
        var lines: [Int]
        var description: String { label }
    }

    static let cases: [Case] = [
        Case(label: "LF", bytes: Array("email,name\na@x.org,A\n".utf8), records: [["email", "name"], ["a@x.org", "A"]], lines: [1, 2]),
        Case(label: "CRLF without final newline", bytes: Array("email,name\r\na@x.org,A".utf8), records: [["email", "name"], ["a@x.org", "A"]], lines: [1, 2]),
        Case(label: "lone CR", bytes: Array("email\rb@x.org\r".utf8), records: [["email"], ["b@x.org"]], lines: [1, 2]),
        Case(label: "BOM", bytes: [0xEF, 0xBB, 0xBF] + Array("email\nc@x.org\n".utf8), records: [["email"], ["c@x.org"]], lines: [1, 2]),
        Case(label: "quoted comma and doubled quote", bytes: Array("email,name\r\nd@x.org,\"Doe, \"\"J\"\"\"\r\n".utf8),
             records: [["email", "name"], ["d@x.org", "Doe, \"J\""]], lines: [1, 2]),
        Case(label: "newline inside quotes counts lines", bytes: Array("email,note\ne@x.org,\"two\r\nlines\"\nf@x.org,x\n".utf8),
             records: [["email", "note"], ["e@x.org", "two\r\nlines"], ["f@x.org", "x"]], lines: [1, 2, 4]),
        Case(label: "blank lines skipped", bytes: Array("email\n\n\ng@x.org\n\n".utf8), records: [["email"], ["g@x.org"]], lines: [1, 4]),
        Case(label: "empty fields and quoted empty", bytes: Array("email,a,b\nh@x.org,,\"\"\n".utf8), records: [["email", "a", "b"], ["h@x.org", "", ""]], lines: [1, 2]),
        Case(label: "UTF-8 values", bytes: Array("email,city\nj@x.org,Kraków\n".utf8), records: [["email", "city"], ["j@x.org", "Kraków"]], lines: [1, 2]),
    ]

    static func write(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("maild-csv-\(UUID().uuidString).csv")
        try Data(bytes).write(to: url)
        return url
    }

    @Test(arguments: cases)
    func quirksParseAsSpreadsheetsMeanThem(testCase: Case) throws {
        let url = try Self.write(testCase.bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        let reader = try RecipientCSVReader(path: url.path)
        var records: [RecipientCSVReader.Record] = []
        while let record = try reader.next() { records.append(record) }
        #expect(records.map(\.fields) == testCase.records)
        #expect(records.map(\.line) == testCase.lines)
    }

    /// Python's csv module, an independent RFC 4180 reader, agrees on a tricky file.
    @Test func pythonCSVAgrees() throws {
        var text = "email,name,note\r\n"
        for index in 0..<200 {
            text += "u\(index)@example.com,\"Name, \"\"\(index)\"\"\",\"line one\nline two \(index)\"\r\n"
        }
        let url = try Self.write(Array(text.utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        let reader = try RecipientCSVReader(path: url.path)
        var ours: [[String]] = []
        while let record = try reader.next() { ours.append(record.fields) }
        let out = url.appendingPathExtension("json")
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import csv,json,sys; json.dump(list(csv.reader(open(sys.argv[1], newline=''))), open(sys.argv[2], 'w'))",
                             url.path, out.path]
        try process.run()
        process.waitUntilExit()
        let theirs = try JSONDecoder().decode([[String]].self, from: Data(contentsOf: out))
        #expect(ours == theirs)
    }

    @Test func unterminatedQuoteIsReportedAtItsLine() throws {
        let url = try Self.write(Array("email\na@x.org\n\"b@x.org\nc@x.org\n".utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        let reader = try RecipientCSVReader(path: url.path)
        _ = try reader.next()
        _ = try reader.next()
        #expect(throws: RecipientCSVReader.Failure.unterminatedQuote(line: 3)) { try reader.next() }
    }

    /// A million recipients (plus duplicates) stream through with one block in memory: the
    /// reader never holds more than a block and one record, and the process grows by the
    /// 16-byte duplicate fingerprints (about 35 MB per pass for a million), not by the file's
    /// 200 MB. Slow in debug builds (about three minutes on two shared cores).
    @Test(.timeLimit(.minutes(5)))
    func millionLinesStreamWithBoundedMemory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-million-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("list.csv")
        FileManager.default.createFile(atPath: csv.path, contents: nil)
        let handle = try FileHandle(forWritingTo: csv)
        try handle.write(contentsOf: Data("email,name,first_name,city,note\r\n".utf8))
        let padding = String(repeating: "n", count: 150)
        var chunk = ""
        for index in 0..<1_000_000 {
            // Every 100th line repeats an earlier address with its domain upper-cased.
            let address = index % 100 == 99 ? "user\(index - 50)@EXAMPLE.com" : "user\(index)@example.com"
            chunk += "\(address),\"User, \(index)\",U\(index),City \(index % 50),\(padding)\r\n"
            if index % 10_000 == 9_999 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.close()
        let fileSize = try FileManager.default.attributesOfItem(atPath: csv.path)[.size] as? Int ?? 0
        #expect(fileSize > 200_000_000)
        try Data(CampaignFixture.json(CampaignFixture.validFields).utf8).write(to: directory.appendingPathComponent("campaign.json"))

        let before = Self.residentBytes()
        let loaded = try CampaignLoader().load(path: directory.appendingPathComponent("campaign.json").path)
        #expect(loaded.recipientCount == 990_000)
        #expect(loaded.duplicateCount == 10_000)
        var iterator = try loaded.makeRecipientIterator()
        var count = 0
        var last: CampaignRecipient?
        while case let batch = try iterator.next(upTo: 5000), !batch.isEmpty {
            count += batch.count
            last = batch.last
        }
        #expect(count == 990_000)
        #expect(last == CampaignRecipient(address: "user999998@example.com", name: "User, 999998",
                                          variables: ["first_name": "U999998", "city": "City 48", "note": padding]))
        #expect(iterator.peakBufferedBytes <= RecipientCSVReader.blockSize + 300, "one block and one record of this file (under 300 bytes)")
        let growth = Self.residentBytes() - before
        #expect(growth < fileSize / 2, "resident memory grew by \(growth) bytes for a \(fileSize)-byte file")
    }

    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * 4096
    }
}
