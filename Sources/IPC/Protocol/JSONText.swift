/// Hand-written JSON output for the two shapes that dominate a large submit: string-to-string
/// objects (recipient variables) and the recipients of a submit chunk. Foundation's
/// JSONEncoder spends most of a million-recipient submit in its generic machinery; these write
/// the same JSON (keys sorted) straight into a byte array.
public enum JSONText {
    /// `value` as a JSON string literal, quotes included.
    public static func appendString(_ value: String, to output: inout [UInt8]) {
        output.append(0x22)
        // Nearly every string needs no escape: copied in one go.
        var text = value
        let plain = text.withUTF8 { bytes in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return false }
            output.append(contentsOf: bytes)
            return true
        }
        if plain {
            output.append(0x22)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x22: output.append(contentsOf: [0x5C, 0x22])
            case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: output.append(contentsOf: [0x5C, 0x72])
            case 0x09: output.append(contentsOf: [0x5C, 0x74])
            case 0x08: output.append(contentsOf: [0x5C, 0x62])
            case 0x0C: output.append(contentsOf: [0x5C, 0x66])
            case 0x00..<0x20:
                output.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hexDigit(byte >> 4), hexDigit(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(0x22)
    }

    /// A string-to-string object with its keys in sorted order, so equal dictionaries give
    /// equal text.
    public static func appendObject(_ object: [String: String], to output: inout [UInt8]) {
        output.append(0x7B)
        for (index, key) in object.keys.sorted().enumerated() {
            if index > 0 { output.append(0x2C) }
            appendString(key, to: &output)
            output.append(0x3A)
            appendString(object[key] ?? "", to: &output)
        }
        output.append(0x7D)
    }

    public static func object(_ object: [String: String]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(16 + object.count * 32)
        appendObject(object, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// The whole request frame of a `submit_chunk`, as `FrameCoding.encode` would write it.
    public static func submitChunkFrame(id: UInt64, jobID: Int64, recipients: [WireRecipient]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64 + recipients.count * 96)
        output.append(contentsOf: Array(#"{"body":{"job_id":"#.utf8))
        output.append(contentsOf: Array(String(jobID).utf8))
        output.append(contentsOf: Array(#","recipients":["#.utf8))
        for (index, recipient) in recipients.enumerated() {
            if index > 0 { output.append(0x2C) }
            output.append(contentsOf: Array(#"{"address":"#.utf8))
            appendString(recipient.address, to: &output)
            if let name = recipient.name {
                output.append(contentsOf: Array(#","name":"#.utf8))
                appendString(name, to: &output)
            }
            output.append(contentsOf: Array(#","variables":"#.utf8))
            appendObject(recipient.variables, to: &output)
            output.append(0x7D)
        }
        output.append(contentsOf: Array(#"]},"id":"#.utf8))
        output.append(contentsOf: Array(String(id).utf8))
        output.append(contentsOf: Array(#","type":"submit_chunk"}"#.utf8))
        return output
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? 0x30 + value : 0x61 + value - 10
    }
}
