// libFuzzer harness for the address parser (Sources/Message/Addresses), built by
// Tests/Fuzz/run.sh.
//
// Input: byte 0 chooses the entry point, the rest is text (invalid UTF-8 becomes U+FFFD):
//   0 `EmailAddress(_:)` (a mailbox: `Name <user@host>`), 1 `EmailAddress(addrSpec:)` (a CSV
//   column), 2 `EmailAddress(addrSpec:displayName:)` with the text split at the first 0xFF
//   byte (name before, address after), 3 `EmailDomain(_:)`.
//
// Invariants, beyond "does not crash":
// - an accepted address is sendable: the SMTP path within RFC 5321's limits (local part 64,
//   domain 255, path 256 octets), free of controls and spaces outside quotes, ASCII unless the
//   local part needs SMTPUTF8, and a domain that is an A-label host name or a literal;
// - the parse is canonical: the SMTP path parses again to the same local part, domain and
//   normalized key; `description` (`Name <path>`) parses again to the same name and path;
//   the domain's display form (A-labels decoded) parses again to the same normalized domain;
// - an accepted address writes a To: header without line breaks of its own;
// - whatever `PlainAddressScanner` accepts, the general parser accepts with the same value;
// - a refused one throws `MessageError.invalidAddress`/`.invalidDomain` for the same input, with
//   an offset inside it and a description that cannot forge log lines (no control or
//   line-separator characters).
@testable import Message

private func checkSafeText(_ text: String, _ what: String) {
    for scalar in text.unicodeScalars {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator:
            fail("\(what) holds U+\(String(scalar.value, radix: 16)): \(String(reflecting: text))")
        default:
            break
        }
    }
}

private func checkRefusal(_ error: MessageError, input: String) {
    checkSafeText(error.description, "error description")
    switch error {
    case .invalidAddress(let text, _, let offset), .invalidDomain(let text, _, let offset):
        require(text == input, "the error names \(String(reflecting: text)), not the input")
        require((0...input.unicodeScalars.count).contains(offset), "offset \(offset) outside the input")
    case .forbiddenCharacter(let scalar, let offset, _):
        require(scalar.isMessageControl, "forbiddenCharacter for a non-control")
        require(offset >= 0, "negative offset")
    default:
        fail("unexpected error \(error)")
    }
}

private func checkDomain(_ domain: EmailDomain) {
    let smtp = domain.smtpForm
    require(smtp.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }, "domain not printable ASCII: \(smtp)")
    switch domain {
    case .name(let name):
        require(name.utf8.count <= 255, "domain of \(name.utf8.count) octets")
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        require(labels.allSatisfy { (1...63).contains($0.utf8.count) && $0.first != "-" && $0.last != "-" }, "bad label in \(name)")
        require(labels.allSatisfy { $0.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" } }, "not LDH: \(name)")
        // What people see must lead to the same host, or a display could spoof another domain.
        do {
            let shown = try EmailDomain(domain.unicodeForm)
            require(shown.normalizedForm == domain.normalizedForm, "\(name) shows as \(domain.unicodeForm), which is \(shown)")
        } catch {
            fail("the display form \(String(reflecting: domain.unicodeForm)) of \(name) does not parse: \(error)")
        }
    case .ipv4(let address):
        require(AddressLiteral.isIPv4(Substring(address)), "bad IPv4 literal \(address)")
    case .ipv6(let address):
        require(AddressLiteral.isIPv6(Substring(address)), "bad IPv6 literal \(address)")
    }
    do {
        let again = try EmailDomain(smtp)
        require(again == domain, "\(smtp) parses again as \(again)")
    } catch {
        fail("the SMTP form \(smtp) does not parse: \(error)")
    }
}

private func checkAccepted(_ address: EmailAddress) {
    let path = address.smtpPath
    require(address.smtpLocalPart.utf8.count <= 64, "local part of \(address.smtpLocalPart.utf8.count) octets")
    require(path.utf8.count + 2 <= 256, "path of \(path.utf8.count) octets")
    require(!path.unicodeScalars.contains(where: \.isMessageControl), "control character in \(String(reflecting: path))")
    require(address.requiresSMTPUTF8 || path.unicodeScalars.allSatisfy(\.isASCII), "non-ASCII path without SMTPUTF8: \(path)")
    if let name = address.displayName {
        require(!name.isEmpty && !name.unicodeScalars.contains(where: \.isMessageControl), "bad display name \(String(reflecting: name))")
    }
    checkDomain(address.domain)

    // Canonical: what goes into MAIL FROM parses back to the same mailbox.
    do {
        let again = try EmailAddress(addrSpec: path)
        require(again.localPart == address.localPart && again.domain == address.domain, "\(path) parses again as \(again)")
        require(again.smtpPath == path && again.normalizedKey == address.normalizedKey, "\(path) is not canonical")
    } catch {
        fail("the SMTP path \(String(reflecting: path)) does not parse: \(error)")
    }
    // What logs and previews show parses back to the same name and path.
    do {
        let again = try EmailAddress(address.description)
        require(again.smtpPath == path && again.displayName == address.displayName,
                     "\(String(reflecting: address.description)) parses again as \(again.displayName.debugDescription) <\(again.smtpPath)>")
    } catch {
        fail("the description \(String(reflecting: address.description)) does not parse: \(error)")
    }
    // An accepted address always makes a header of its own lines only.
    do {
        let field = try HeaderEncoder().encode(name: "To", addresses: [address])
        require(field.hasSuffix("\r\n"), "field does not end with CRLF")
        let lines = field.dropLast(2).components(separatedBy: "\r\n")
        require(lines.allSatisfy { !$0.contains("\r") && !$0.contains("\n") && $0.utf8.count <= 998 }, "bad field \(String(reflecting: field))")
        require(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") || $0.hasPrefix("\t") }, "continuation without whitespace")
    } catch {
        fail("an accepted address does not encode: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAddresses(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let rest = bytes[1...]
    switch first % 4 {
    case 0:
        let text = String(decoding: rest, as: UTF8.self)
        do { checkAccepted(try EmailAddress(text)) } catch { checkRefusal(error, input: text) }
    case 1:
        let text = String(decoding: rest, as: UTF8.self)
        // The byte scanner is a shortcut: what it accepts, the general parser accepts with the
        // same value.
        if let plain = PlainAddressScanner.scan(text) {
            do {
                let parsed = try AddressParser.addrSpecOnly(Array(text.unicodeScalars))
                require(parsed.localPart == plain.localPart && parsed.domain == .name(plain.domain)
                        && EmailAddress.smtpLocalPart(for: parsed.localPart) == plain.localPart,
                        "scanner and parser disagree on \(String(reflecting: text))")
            } catch {
                fail("scanner accepted \(String(reflecting: text)), the parser refuses it: \(error)")
            }
        }
        do {
            let address = try EmailAddress(addrSpec: text)
            require(address.displayName == nil, "display name from an addr-spec")
            checkAccepted(address)
        } catch {
            checkRefusal(error, input: text)
        }
    case 2:
        let separator = rest.firstIndex(of: 0xFF) ?? rest.endIndex
        let name = String(decoding: rest[rest.startIndex..<separator], as: UTF8.self)
        let text = String(decoding: rest[min(separator + 1, rest.endIndex)...], as: UTF8.self)
        do {
            let address = try EmailAddress(addrSpec: text, displayName: name)
            let trimmed = name.trimmingSpaces
            require(address.displayName == (trimmed.isEmpty ? nil : trimmed), "display name changed")
            checkAccepted(address)
        } catch {
            if case .forbiddenCharacter = error {
                require(name.unicodeScalars.contains(where: \.isMessageControl), "forbiddenCharacter without a control in the name")
            }
            checkRefusal(error, input: text)
        }
    default:
        let text = String(decoding: rest, as: UTF8.self)
        do { checkDomain(try EmailDomain(text)) } catch { checkRefusal(error, input: text) }
    }
    return 0
}
