// libFuzzer harness for the header encoder (Sources/Message/Headers), built by Tests/Fuzz/run.sh.
//
// Input: byte 0 chooses the entry point and the field name, the rest is text (invalid UTF-8
// becomes U+FFFD):
//   byte0 % 3 == 0  `encode(name:value:)`, an unstructured field (Subject, X-...)
//   byte0 % 3 == 1  `encode(name:addresses:)`, the text split at 0xFF bytes into mailboxes
//   byte0 % 3 == 2  `encode(name:value:parameters:)`, the text split at 0xFF bytes into
//                   parameter name, value, name, value...
//   (byte0 / 3) % 5 picks the field name; 4 takes it from the input (up to the first 0xFE).
//
// Invariants, beyond "does not crash":
// - no header injection: the field ends with CRLF, every CR and LF is part of a CRLF fold, and
//   every continuation line starts with whitespace, so a value can never start a line of its own;
// - every line is at most 998 octets (RFC 5322 2.1.1) and none is only whitespace;
// - ASCII only, except an address that needs SMTPUTF8 (RFC 6532);
// - encoded-words (RFC 2047) are at most 75 characters and each decodes to whole UTF-8 on its own;
// - round trip: unfolding and decoding gives back the value (unstructured: less leading and
//   trailing whitespace), every mailbox (path and display name), every parameter (RFC 2231);
// - a refused value is refused for a reason it has: a control character at the offset given, a
//   bad name or token.
@testable import Message
import Foundation

private let names = ["Subject", "X-Campaign-Identifier", "To",
                     "X-" + String(repeating: "L", count: 74)]  // the longest name allowed

// MARK: structure of a field

/// Checks the lines and returns the value unfolded (CRLFs removed, "Name:" dropped).
private func checkField(_ field: String, name: String, asciiOnly: Bool) -> String {
    let bytes = Array(field.utf8)
    require(bytes.count >= 2 && bytes.suffix(2) == [13, 10], "field does not end with CRLF: \(String(reflecting: field))")
    for (index, byte) in bytes.enumerated() {
        if byte == 13 { require(index + 1 < bytes.count && bytes[index + 1] == 10, "bare CR in \(String(reflecting: field))") }
        if byte == 10 { require(index > 0 && bytes[index - 1] == 13, "bare LF in \(String(reflecting: field))") }
        if asciiOnly { require(byte < 0x80, "non-ASCII byte in \(String(reflecting: field))") }
        require(byte >= 0x20 || byte == 9 || byte == 10 || byte == 13, "control byte \(byte) in \(String(reflecting: field))")
        require(byte != 0x7F, "DEL in \(String(reflecting: field))")
    }
    let lines = String(decoding: bytes.dropLast(2), as: UTF8.self).components(separatedBy: "\r\n")
    require(lines[0].hasPrefix(name + ":"), "first line does not start with the name: \(String(reflecting: lines[0]))")
    for (number, line) in lines.enumerated() {
        require(line.utf8.count <= 998, "line \(number) of \(line.utf8.count) octets")
        if number > 0 {
            require(line.hasPrefix(" ") || line.hasPrefix("\t"), "continuation line without whitespace: \(String(reflecting: line))")
            require(line.unicodeScalars.contains { $0 != " " && $0 != "\t" }, "whitespace-only line in \(String(reflecting: field))")
        }
    }
    return String(lines.joined().dropFirst(name.count + 1))
}

// MARK: RFC 2047

/// The bytes of `=?UTF-8?B?...?=` or `=?UTF-8?Q?...?=`, nil for any other word; checks the
/// word's length and that its bytes are whole UTF-8.
private func decodeEncodedWord(_ word: Substring) -> [UInt8]? {
    guard word.hasPrefix("=?UTF-8?"), word.hasSuffix("?="), word.count >= 12 else { return nil }
    require(word.utf8.count <= 75, "encoded-word of \(word.utf8.count) characters: \(word)")
    let encoding = word.dropFirst(8).prefix(2)
    let text = String(word.dropFirst(10).dropLast(2))
    var bytes: [UInt8]
    switch encoding {
    case "B?":
        guard let data = Data(base64Encoded: text) else { fail("bad base64 in \(word)") }
        bytes = Array(data)
    case "Q?":
        bytes = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "_") {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "=") {
                guard input.count >= 2, let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16) else {
                    fail("bad =XX in \(word)")
                }
                bytes.append(value)
                input = input.dropFirst(2)
            } else {
                require(byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "?"), "byte \(byte) in \(word)")
                bytes.append(byte)
            }
        }
    default:
        fail("unknown encoding in \(word)")
    }
    require(String(validating: bytes, as: UTF8.self) != nil, "encoded-word \(word) is not whole UTF-8")
    return bytes
}

/// RFC 2047 decoding of unstructured text: whitespace between two encoded-words is dropped.
private func decodeUnstructured(_ text: String) -> String {
    var output: [UInt8] = []
    var whitespace: [UInt8] = []
    var previousWasEncoded = false
    var word: [UInt8] = []
    func finishWord() {
        guard !word.isEmpty else { return }
        let text = Substring(String(decoding: word, as: UTF8.self))
        if let decoded = decodeEncodedWord(text) {
            if !previousWasEncoded { output += whitespace }
            output += decoded
            previousWasEncoded = true
        } else {
            output += whitespace + word
            previousWasEncoded = false
        }
        whitespace = []
        word = []
    }
    for byte in text.utf8 {
        if byte == 0x20 || byte == 0x09 {
            finishWord()
            whitespace.append(byte)
        } else {
            word.append(byte)
        }
    }
    finishWord()
    output += whitespace
    return String(decoding: output, as: UTF8.self)
}

// MARK: entry points

private func fuzzUnstructured(name: String, value: String) {
    let encoded: String
    do {
        encoded = try HeaderEncoder().encode(name: name, value: value)
    } catch {
        checkRefusal(error, name: name, values: [value], allowingTab: true)
        return
    }
    checkName(name)
    require(firstControlCharacter(in: value, allowingTab: true) == nil, "a control character was accepted")
    let unfolded = checkField(encoded, name: name, asciiOnly: true)
    let expected = Array(value.unicodeScalars.drop { $0 == " " || $0 == "\t" }).reversed().drop { $0 == " " || $0 == "\t" }.reversed()
    // "Name:" is followed by the space the encoder writes before the first word.
    let decoded = decodeUnstructured(String(unfolded.dropFirst(unfolded.hasPrefix(" ") ? 1 : 0)))
    require(Array(decoded.unicodeScalars) == Array(expected),
                 "round trip: \(String(reflecting: String(String.UnicodeScalarView(expected)))) came back as \(String(reflecting: decoded)) from \(String(reflecting: encoded))")
}

/// The mailboxes of an address field: split at commas outside quotes and angle brackets.
private func splitMailboxes(_ text: String) -> [String] {
    var result: [String] = []
    var current = String.UnicodeScalarView()
    var inQuotes = false, inAngle = false, escaped = false
    for scalar in text.unicodeScalars {
        if escaped {
            escaped = false
        } else if inQuotes && scalar == "\\" {
            escaped = true
        } else if scalar == "\"" {
            inQuotes.toggle()
        } else if !inQuotes && scalar == "<" {
            inAngle = true
        } else if !inQuotes && scalar == ">" {
            inAngle = false
        } else if !inQuotes && !inAngle && scalar == "," {
            result.append(String(current))
            current = String.UnicodeScalarView()
            continue
        }
        current.append(scalar)
    }
    result.append(String(current))
    return result
}

private func fuzzAddresses(name: String, texts: [String]) {
    let addresses = texts.compactMap { try? EmailAddress($0) }
    let encoded: String
    do {
        encoded = try HeaderEncoder().encode(name: name, addresses: addresses)
    } catch {
        if case .emptyAddressList = error { require(addresses.isEmpty, "emptyAddressList with addresses"); return }
        checkRefusal(error, name: name, values: [], allowingTab: false)
        return
    }
    checkName(name)
    let unfolded = checkField(encoded, name: name, asciiOnly: !addresses.contains(where: \.requiresSMTPUTF8))
    let mailboxes = splitMailboxes(unfolded)
    require(mailboxes.count == addresses.count, "\(addresses.count) addresses written as \(mailboxes.count): \(String(reflecting: encoded))")
    for (address, mailbox) in zip(addresses, mailboxes) {
        let text = mailbox.trimmingSpaces
        // A bare addr-spec may start with "=?" too ('=' and '?' are atext); only a display name
        // is followed by <path>, and no domain ends with '>'.
        if text.hasPrefix("=?") && text.hasSuffix(">") {
            // An encoded display name: decode the phrase, then compare the path.
            // Encoded-words hold no '<' (Q writes it =3C), so the first one opens the path.
            guard let open = text.firstIndex(of: "<"), text.hasSuffix(">") else {
                fail("encoded display name without <path>: \(String(reflecting: text))")
            }
            let phrase = decodeUnstructured(String(text[..<open]).trimmingSpaces)
            let path = text[text.index(after: open)...].dropLast()
            require(path == address.smtpPath, "path \(address.smtpPath) written as \(path)")
            require(phrase == address.displayName, "display name \(address.displayName ?? "") came back as \(phrase)")
            continue
        }
        do {
            let again = try EmailAddress(text)
            require(again.smtpPath == address.smtpPath, "path \(address.smtpPath) came back as \(again.smtpPath)")
            require(again.displayName == address.displayName,
                         "display name \(String(reflecting: address.displayName)) came back as \(String(reflecting: again.displayName))")
        } catch {
            fail("mailbox \(String(reflecting: text)) of \(String(reflecting: encoded)) does not parse: \(error)")
        }
    }
}

/// RFC 2231 decoding of `value; name=...; name*0*=...` into the value and the parameters.
private func decodeParameters(_ text: String) -> (value: String, parameters: [(String, String)]) {
    var pieces: [String] = []
    var current = ""
    var inQuotes = false, escaped = false
    for character in text.unicodeScalars {
        if escaped { escaped = false } else if inQuotes && character == "\\" { escaped = true } else if character == "\"" { inQuotes.toggle() }
        if character == ";" && !inQuotes && !escaped {
            pieces.append(current)
            current = ""
            continue
        }
        current.unicodeScalars.append(character)
    }
    pieces.append(current)
    let value = pieces[0].trimmingSpaces
    var order: [String] = []
    var sections: [String: [Int: String]] = [:]
    for piece in pieces.dropFirst() {
        let piece = piece.trimmingSpaces
        guard let equals = piece.firstIndex(of: "=") else { fail("parameter without '=': \(piece)") }
        let attribute = piece[..<equals]
        var raw = String(piece[piece.index(after: equals)...])
        let parts = attribute.split(separator: "*", omittingEmptySubsequences: false)
        let name = String(parts[0])
        let extended = attribute.hasSuffix("*")
        let number = parts.count >= 2 && !parts[1].isEmpty ? Int(parts[1]) ?? -1 : 0
        require(number >= 0, "bad section number in \(attribute)")
        var decoded: String
        if extended {
            if number == 0 {
                require(raw.hasPrefix("UTF-8''"), "extended value without charset: \(raw)")
                raw = String(raw.dropFirst(7))
            }
            var bytes: [UInt8] = []
            var input = Array(raw.utf8)[...]
            while let byte = input.popFirst() {
                if byte == UInt8(ascii: "%") {
                    guard input.count >= 2, let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16) else {
                        fail("bad %XX in \(raw)")
                    }
                    bytes.append(value)
                    input = input.dropFirst(2)
                } else {
                    require(MIMEToken.isAttributeCharacter(Unicode.Scalar(byte)), "byte \(byte) unencoded in \(raw)")
                    bytes.append(byte)
                }
            }
            guard let text = String(validating: bytes, as: UTF8.self) else { fail("section \(piece) is not whole UTF-8") }
            decoded = text
        } else if raw.hasPrefix("\"") {
            require(raw.hasSuffix("\"") && raw.count >= 2, "unterminated quoted value \(raw)")
            decoded = ""
            var escape = false
            for scalar in raw.unicodeScalars.dropFirst().dropLast() {
                if !escape && scalar == "\\" { escape = true; continue }
                escape = false
                decoded.unicodeScalars.append(scalar)
            }
        } else {
            require(MIMEToken.isToken(raw), "unquoted value \(raw) is not a token")
            decoded = raw
        }
        if sections[name] == nil { order.append(name) }
        require(sections[name, default: [:]][number] == nil, "section \(number) of \(name) twice")
        sections[name, default: [:]][number] = decoded
    }
    let parameters = order.map { name -> (String, String) in
        let parts = sections[name] ?? [:]
        require(parts.keys.sorted() == Array(0..<parts.count), "sections of \(name) not numbered 0...n")
        return (name, parts.keys.sorted().compactMap { parts[$0] }.joined())
    }
    return (value, parameters)
}

private func fuzzParameters(name: String, value: String, pieces: [String]) {
    var parameters: [HeaderParameter] = []
    var index = 0
    while index + 1 < pieces.count {
        parameters.append(HeaderParameter(name: pieces[index], value: pieces[index + 1]))
        index += 2
    }
    let encoded: String
    do {
        encoded = try HeaderEncoder().encode(name: name, value: value, parameters: parameters)
    } catch {
        checkRefusal(error, name: name, values: parameters.flatMap { [$0.name, $0.value] }, allowingTab: false)
        return
    }
    checkName(name)
    let unfolded = checkField(encoded, name: name, asciiOnly: true)
    guard Set(parameters.map(\.name)).count == parameters.count else { return }  // repeated names: no single meaning
    let decoded = decodeParameters(unfolded)
    require(decoded.value == value, "value \(value) came back as \(decoded.value)")
    require(decoded.parameters.map(\.0) == parameters.map(\.name), "parameter names changed: \(decoded.parameters.map(\.0))")
    for (parameter, back) in zip(parameters, decoded.parameters) {
        require(Array(back.1.unicodeScalars) == Array(parameter.value.unicodeScalars),
                     "parameter \(parameter.name)=\(String(reflecting: parameter.value)) came back as \(String(reflecting: back.1)) from \(String(reflecting: encoded))")
    }
}

private func checkName(_ name: String) {
    require((1...76).contains(name.unicodeScalars.count) && name.unicodeScalars.allSatisfy { (33...126).contains($0.value) && $0 != ":" },
                 "invalid name \(String(reflecting: name)) accepted")
}

private func checkRefusal(_ error: MessageError, name: String, values: [String], allowingTab: Bool) {
    for scalar in error.description.unicodeScalars {
        require(!scalar.isMessageControl && scalar != "\u{2028}" && scalar != "\u{2029}", "control character in the error description")
    }
    switch error {
    case .invalidHeaderName(let bad, _):
        require(bad == name, "invalidHeaderName for another name")
    case .forbiddenCharacter(let scalar, _, _):
        require(scalar.isMessageControl, "forbiddenCharacter for \(scalar.value)")
        // TAB is whitespace in an unstructured value, refused only in names.
        let inValue = !(allowingTab && scalar == "\t") && values.contains { $0.unicodeScalars.contains(scalar) }
        require(name.unicodeScalars.contains(scalar) || inValue, "forbiddenCharacter U+\(String(scalar.value, radix: 16)) that is in no input")
    case .invalidToken:
        break
    default:
        fail("unexpected refusal \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHeaderEncoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    var rest = bytes[1...]
    let name: String
    if (first / 3) % 5 == 4 {
        let end = rest.firstIndex(of: 0xFE) ?? rest.endIndex
        name = String(decoding: rest[rest.startIndex..<end], as: UTF8.self)
        rest = rest[min(end + 1, rest.endIndex)...]
    } else {
        name = names[Int(first / 3) % 5]
    }
    let pieces = rest.split(separator: 0xFF, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    switch first % 3 {
    case 0: fuzzUnstructured(name: name, value: String(decoding: rest, as: UTF8.self))
    case 1: fuzzAddresses(name: name, texts: pieces)
    default:
        let values = ["attachment", "inline", "text/plain", "multipart/mixed"]
        fuzzParameters(name: name, value: values[Int(first / 15) % values.count], pieces: pieces)
    }
    return 0
}
