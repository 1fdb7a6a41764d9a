#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a recipient list in CSV (RFC 4180) from disk in fixed-size blocks, one record at a time,
/// so a list of a million lines costs one block of memory, not the file.
///
/// Accepted beyond the strict RFC because spreadsheets write it: a UTF-8 byte order mark, LF or
/// CR line ends as well as CRLF, blank lines (skipped), a quote inside an unquoted field (kept).
/// A quoted field may hold commas, quotes (doubled) and line breaks; `line` is the physical line
/// where the record starts, as an editor shows it.
final class RecipientCSVReader {
    struct Record {
        var line: Int
        var fields: [String]
    }

    enum Failure: Error, Equatable {
        case unreadable(String)
        case unterminatedQuote(line: Int)
        case recordTooLong(line: Int)
        case notUTF8(line: Int, field: Int)
    }

    /// Bytes read per `read(2)` call.
    static let blockSize = 64 * 1024
    /// A record longer than this is an unclosed quote in practice; refusing it keeps memory bounded.
    static let longestRecord = 64 * 1024

    private let descriptor: Int32
    // Touched for every byte of a million-line list: the class's dynamic exclusivity checks
    // cost more than the parsing. The reader is used by one caller at a time (not Sendable),
    // so no access can overlap.
    @exclusivity(unchecked) private var block: [UInt8]
    @exclusivity(unchecked) private var position = 0
    @exclusivity(unchecked) private var count = 0
    @exclusivity(unchecked) private var atEnd = false
    private var startOfFile = true
    @exclusivity(unchecked) private var line = 1
    @exclusivity(unchecked) private var field: [UInt8] = []
    /// The most bytes ever held (block plus the record being assembled): what the tests check
    /// to prove the reader streams.
    private(set) var peakBufferedBytes = 0

    init(path: String) throws(Failure) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .unreadable(String(cString: strerror(errno))) }
        self.descriptor = descriptor
        block = [UInt8](repeating: 0, count: Self.blockSize)
        field.reserveCapacity(256)
    }

    deinit { close(descriptor) }

    private func fill() throws(Failure) {
        guard !atEnd else { return }
        let bytesRead = block.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, Self.blockSize) }
        if bytesRead < 0 {
            if errno == EINTR { return }
            throw .unreadable(String(cString: strerror(errno)))
        }
        position = 0
        count = bytesRead
        if bytesRead == 0 { atEnd = true }
        if startOfFile {
            startOfFile = false
            if count >= 3 && block[0] == 0xEF && block[1] == 0xBB && block[2] == 0xBF { position = 3 }
        }
    }

    private func nextByte() throws(Failure) -> UInt8? {
        while position >= count {
            if atEnd { return nil }
            try fill()
        }
        defer { position += 1 }
        return block[position]
    }

    private func peekByte() throws(Failure) -> UInt8? {
        while position >= count {
            if atEnd { return nil }
            try fill()
        }
        return block[position]
    }

    /// The next non-blank record, or nil at the end of the file.
    func next() throws(Failure) -> Record? {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        while true {
            var rawFields: [[UInt8]] = []
            field.removeAll(keepingCapacity: true)
            var inQuotes = false
            var fieldWasQuoted = false
            var recordBytes = 0
            let recordLine = line
            var endOfRecord = false
            var sawByte = false
            while !endOfRecord {
                guard let byte = try nextByte() else {
                    if inQuotes { throw .unterminatedQuote(line: recordLine) }
                    if !sawByte { return nil }
                    break
                }
                sawByte = true
                recordBytes += 1
                if recordBytes > Self.longestRecord { throw .recordTooLong(line: recordLine) }
                if inQuotes {
                    if byte == quote {
                        if try peekByte() == quote {
                            position += 1
                            field.append(quote)
                        } else {
                            inQuotes = false
                        }
                    } else {
                        if byte == lf { line += 1 } else if byte == cr, try peekByte() != lf { line += 1 }
                        field.append(byte)
                    }
                    continue
                }
                switch byte {
                case quote where field.isEmpty && !fieldWasQuoted:
                    inQuotes = true
                    fieldWasQuoted = true
                case comma:
                    rawFields.append(field)
                    field.removeAll(keepingCapacity: true)
                    fieldWasQuoted = false
                case cr:
                    if try peekByte() == lf { position += 1 }
                    line += 1
                    endOfRecord = true
                case lf:
                    line += 1
                    endOfRecord = true
                default:
                    field.append(byte)
                }
            }
            peakBufferedBytes = max(peakBufferedBytes, block.count + recordBytes)
            if rawFields.isEmpty && field.isEmpty && !fieldWasQuoted { continue }  // blank line
            rawFields.append(field)
            var fields: [String] = []
            fields.reserveCapacity(rawFields.count)
            for (index, raw) in rawFields.enumerated() {
                guard let text = String(validating: raw, as: UTF8.self) else { throw .notUTF8(line: recordLine, field: index + 1) }
                fields.append(text)
            }
            return Record(line: recordLine, fields: fields)
        }
    }
}
