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
            var reader = JSONByteReader(bytes: raw.assumingMemoryBound(to: UInt8.self))
            guard let frame = reader.submitChunkFrame() else { return nil }
            reader.skipWhitespace()
            return reader.isAtEnd ? frame : nil
        }
    }
}

/// The shape of a `submit_chunk`, on top of the generic reader.
private extension JSONByteReader {
    mutating func submitChunkFrame() -> RequestFrame? {
        var id: UInt64?
        var type: String?
        var chunk: SubmitChunk?
        let complete = object { reader, key in
            switch key {
            case "id" where id == nil:
                id = reader.requestID()
                return id != nil
            case "type" where type == nil:
                type = reader.string()
                return type == "submit_chunk"
            case "body" where chunk == nil:
                chunk = reader.chunk()
                return chunk != nil
            default:
                return false
            }
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
}
