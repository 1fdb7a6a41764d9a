import NIOCore

/// Reads a `submit_chunk` request frame straight from its bytes, the one request whose size
/// matters: a million-recipient submit is two hundred frames of 5,000 recipients.
///
/// Why: Foundation's JSONDecoder spends most of its time in Codable's generic machinery, which
/// made maild's decoding a large part of a big submit. This reader accepts only the exact shape
/// `JSONText.submitChunkFrame` writes (any key order and whitespace, standard JSON strings and
/// integers). For anything else (another request type, an unknown or repeated key, a float, a
/// malformed byte) it answers nil and the caller decodes with Foundation, which gives the
/// error message. A property test checks that whenever it answers, Foundation agrees.
public enum SubmitChunkDecoder {
    public static func decode(_ buffer: ByteBuffer) -> RequestFrame? {
        buffer.withUnsafeReadableBytes { raw -> RequestFrame? in
            var reader = Reader(bytes: raw.assumingMemoryBound(to: UInt8.self))
            guard let frame = reader.frame() else { return nil }
            reader.skipWhitespace()
            return reader.isAtEnd ? frame : nil
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var isAtEnd: Bool { index == bytes.count }

        mutating func frame() -> RequestFrame? {
            var id: UInt64?
            var type: String?
            var chunk: SubmitChunk?
            let complete = object { reader, key in
                switch key {
                case "id" where id == nil:
                    // Unsigned on the wire: "-0" is Foundation's call, not ours.
                    reader.skipWhitespace()
                    guard !reader.isAtEnd, reader.bytes[reader.index] != UInt8(ascii: "-"),
                          let value = reader.integer() else { return false }
                    id = UInt64(value)
                case "type" where type == nil:
                    type = reader.string()
                    return type == "submit_chunk"
                case "body" where chunk == nil:
                    chunk = reader.chunk()
                    return chunk != nil
                default:
                    return false
                }
                return true
            }
            guard complete, let id, type != nil, let chunk else { return nil }
            return RequestFrame(id: id, request: .submitChunk(chunk))
        }

        mutating func chunk() -> SubmitChunk? {
            var jobID: Int64?
            var recipients: [WireRecipient]?
            let complete = object { reader, key in
                switch key {
                case "job_id" where jobID == nil:
                    jobID = reader.integer()
                    return jobID != nil
                case "recipients" where recipients == nil:
                    recipients = reader.recipients()
                    return recipients != nil
                default:
                    return false
                }
            }
            guard complete, let jobID, let recipients else { return nil }
            return SubmitChunk(jobID: jobID, recipients: recipients)
        }

        mutating func recipients() -> [WireRecipient]? {
            guard consume(UInt8(ascii: "[")) else { return nil }
            var result: [WireRecipient] = []
            result.reserveCapacity(IPCLimits.recipientsPerChunk)
            skipWhitespace()
            if consume(UInt8(ascii: "]")) { return result }
            while true {
                guard let recipient = recipient() else { return nil }
                result.append(recipient)
                skipWhitespace()
                if consume(UInt8(ascii: ",")) { continue }
                return consume(UInt8(ascii: "]")) ? result : nil
            }
        }

        mutating func recipient() -> WireRecipient? {
            var address: String?
            var name: String??
            var variables: [String: String]?
            let complete = object { reader, key in
                switch key {
                case "address" where address == nil:
                    address = reader.string()
                    return address != nil
                case "name" where name == nil:
                    if reader.consumeLiteral("null") {
                        name = .some(nil)
                        return true
                    }
                    guard let text = reader.string() else { return false }
                    name = .some(text)
                    return true
                case "variables" where variables == nil:
                    variables = reader.stringObject()
                    return variables != nil
                default:
                    return false
                }
            }
            guard complete, let address, let variables else { return nil }
            return WireRecipient(address: address, name: name ?? nil, variables: variables)
        }

        /// An object of string values; a repeated key is refused (Foundation's choice among
        /// duplicates is not a contract).
        mutating func stringObject() -> [String: String]? {
            var result: [String: String] = [:]
            let complete = object { reader, key in
                guard result[key] == nil, let value = reader.string() else { return false }
                result[key] = value
                return true
            }
            return complete ? result : nil
        }

        /// `{ "key": value, ... }`; `member` reads the value after the colon and says whether
        /// it was acceptable.
        mutating func object(_ member: (inout Reader, String) -> Bool) -> Bool {
            skipWhitespace()
            guard consume(UInt8(ascii: "{")) else { return false }
            skipWhitespace()
            if consume(UInt8(ascii: "}")) { return true }
            while true {
                skipWhitespace()
                guard let key = string() else { return false }
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return false }
                skipWhitespace()
                guard member(&self, key) else { return false }
                skipWhitespace()
                if consume(UInt8(ascii: ",")) { continue }
                return consume(UInt8(ascii: "}"))
            }
        }

        /// A JSON integer without fraction or exponent that fits in Int64.
        mutating func integer() -> Int64? {
            skipWhitespace()
            let negative = consume(UInt8(ascii: "-"))
            let start = index
            var value: Int64 = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let digit = Int64(bytes[index] - UInt8(ascii: "0"))
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(digit)
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                index += 1
            }
            let digits = index - start
            guard digits > 0, !(digits > 1 && bytes[start] == UInt8(ascii: "0")) else { return nil }
            // A fraction or exponent makes it a number Foundation may read differently.
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                return nil
            }
            return negative ? -value : value
        }

        /// A JSON string: escapes resolved, valid UTF-8 required, raw control characters refused.
        mutating func string() -> String? {
            skipWhitespace()
            guard consume(UInt8(ascii: "\"")) else { return nil }
            let start = index
            // The common case: no escape, straight to a String.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { return nil }
                index += 1
            }
            var output = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(validating: output, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
                    case UInt8(ascii: "b"): output.append(0x08)
                    case UInt8(ascii: "f"): output.append(0x0C)
                    case UInt8(ascii: "n"): output.append(0x0A)
                    case UInt8(ascii: "r"): output.append(0x0D)
                    case UInt8(ascii: "t"): output.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        output.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: return nil
                    }
                case 0x00..<0x20:
                    return nil
                default:
                    output.append(byte)
                }
            }
            return nil
        }

        /// The four hex digits after `\u`, and a second escape when they are a high surrogate.
        mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let high = hex4() else { return nil }
            if (0xD800...0xDBFF).contains(high) {
                guard consumeLiteral("\\u"), let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            }
            return Unicode.Scalar(high)  // nil for a lone low surrogate
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        mutating func consumeLiteral(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }
    }
}
