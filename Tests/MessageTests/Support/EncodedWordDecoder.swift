import Foundation

/// A small RFC 2047 decoder for unstructured text, written for the tests from the RFC rather
/// than from the encoder: whitespace between adjacent encoded-words is dropped (6.2), every
/// encoded-word must decode to complete UTF-8 on its own (5: no character split across words).
enum EncodedWordDecoder {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func decode(_ value: String) throws -> String {
        var output = ""
        var pendingWhitespace = ""
        var previousWasEncoded = false
        var rest = Substring(value)
        while !rest.isEmpty {
            let whitespace = rest.prefix(while: { $0 == " " || $0 == "\t" })
            rest = rest.dropFirst(whitespace.count)
            pendingWhitespace += whitespace
            guard !rest.isEmpty else { break }
            let token = rest.prefix(while: { $0 != " " && $0 != "\t" })
            rest = rest.dropFirst(token.count)
            if let decoded = try decodeWord(token) {
                if !previousWasEncoded { output += pendingWhitespace }
                output += decoded
                previousWasEncoded = true
            } else {
                output += pendingWhitespace + token
                previousWasEncoded = false
            }
            pendingWhitespace = ""
        }
        return output
    }

    /// A display name as an address field writes it: a quoted-string (RFC 5322 3.2.4, quoted-pairs
    /// undone), or atoms and encoded-words.
    static func decodePhrase(_ phrase: String) throws -> String {
        guard phrase.count >= 2, phrase.hasPrefix("\""), phrase.hasSuffix("\"") else { return try decode(phrase) }
        var result = ""
        var escaped = false
        for character in phrase.dropFirst().dropLast() {
            if escaped {
                result.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                throw Failure(description: "unescaped quote inside \(phrase.prefix(80))")
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// The decoded text of one encoded-word, nil when the token is not one.
    static func decodeWord(_ token: Substring) throws -> String? {
        guard let match = token.wholeMatch(of: #/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/#) else { return nil }
        guard match.output.1.uppercased() == "UTF-8" else { throw Failure(description: "charset \(match.output.1)") }
        let text = String(match.output.3)
        var bytes: [UInt8] = []
        if match.output.2.uppercased() == "B" {
            guard let data = Data(base64Encoded: text) else { throw Failure(description: "bad base64 in \(token)") }
            bytes = Array(data)
        } else {
            var scalars = Array(text.utf8)[...]
            while let byte = scalars.popFirst() {
                if byte == UInt8(ascii: "_") {
                    bytes.append(0x20)
                } else if byte == UInt8(ascii: "=") {
                    let hex = String(decoding: scalars.prefix(2), as: UTF8.self)
                    guard hex.count == 2, let value = UInt8(hex, radix: 16) else { throw Failure(description: "bad =XX in \(token)") }
                    bytes.append(value)
                    scalars = scalars.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw Failure(description: "encoded-word \(token) is not complete UTF-8 on its own")
        }
        return decoded
    }
}
