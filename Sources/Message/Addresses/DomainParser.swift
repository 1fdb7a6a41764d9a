/// The domain of an address: a host name (RFC 5321 4.1.2 Domain, with IDNA for Unicode labels) or
/// an address literal (4.1.3). Works on the caller's scalar array so failures carry offsets into
/// the whole input.
enum DomainParser {
    static func parse(_ scalars: [Unicode.Scalar], in range: Range<Int>) throws(AddressFailure) -> EmailDomain {
        guard let first = range.first else { throw AddressFailure(.emptyDomain, at: range.lowerBound) }
        guard scalars[first] == "[" else { return .name(try hostName(scalars, in: range)) }

        guard let close = scalars[range].firstIndex(of: "]") else {
            throw AddressFailure(.unterminatedAddressLiteral, at: first)
        }
        if close + 1 < range.upperBound {
            throw AddressFailure(.unexpectedCharacter(scalars[close + 1], in: .domain), at: close + 1)
        }
        let content = scalars[(first + 1)..<close]
        if let bad = content.firstIndex(where: { !$0.isDomainLiteralText }) {
            throw AddressFailure(.unexpectedCharacter(scalars[bad], in: .addressLiteral), at: bad)
        }
        let text = String(String.UnicodeScalarView(content))
        // ABNF strings are case-insensitive, so "ipv6:" is the same tag as "IPv6:".
        if text.lowercased().hasPrefix("ipv6:") {
            let address = text.dropFirst(5)
            guard AddressLiteral.isIPv6(address) else { throw AddressFailure(.invalidIPv6Literal(text), at: first + 1) }
            return .ipv6(String(address))
        }
        if let colon = text.firstIndex(of: ":") {
            throw AddressFailure(.unknownAddressLiteralTag(String(text[..<colon])), at: first + 1)
        }
        guard AddressLiteral.isIPv4(Substring(text)) else { throw AddressFailure(.invalidIPv4Literal(text), at: first + 1) }
        return .ipv4(text)
    }

    /// A host name in ASCII form: dot-atom rules (no empty labels), IDNA per label, the 255-octet
    /// limit and RFC 3696's all-numeric top-level domain check.
    static func hostName(_ scalars: [Unicode.Scalar], in range: Range<Int>) throws(AddressFailure) -> String {
        guard !range.isEmpty else { throw AddressFailure(.emptyDomain, at: range.lowerBound) }
        var labels: [String] = []
        var labelStart = range.lowerBound
        var lastLabelStart = labelStart
        for index in range.lowerBound...range.upperBound {
            guard index == range.upperBound || isLabelSeparator(scalars[index]) else { continue }
            if index == labelStart {
                if labelStart == range.lowerBound {
                    throw AddressFailure(.leadingDot(in: .domain), at: index)
                } else if index == range.upperBound {
                    throw AddressFailure(.trailingDot(in: .domain), at: index - 1)
                } else {
                    throw AddressFailure(.consecutiveDots(in: .domain), at: index)
                }
            }
            let label = try IDNA.asciiLabel(scalars[labelStart..<index])
            try checkDecodedALabel(label, at: labelStart)
            labels.append(label)
            lastLabelStart = labelStart
            labelStart = index + 1
        }
        let name = labels.joined(separator: ".")
        guard name.utf8.count <= 255 else { throw AddressFailure(.domainTooLong(octets: name.utf8.count), at: range.lowerBound) }
        if let topLevel = labels.last, topLevel.unicodeScalars.allSatisfy(\.isASCIIDigit) {
            throw AddressFailure(.numericTopLevelDomain(topLevel), at: lastLabelStart)
        }
        return name
    }

    /// An "xn--" label written as such must be the A-label of a valid U-label (RFC 5891 5.4):
    /// IDNA's round-trip check alone let through labels whose U-label ends with '-' or has "--"
    /// in the third and fourth positions, so the domain shown to people (`unicodeForm`) was not
    /// a domain at all. Found by Tests/Fuzz (target address).
    private static func checkDecodedALabel(_ label: String, at offset: Int) throws(AddressFailure) {
        guard label.lowercased().hasPrefix("xn--") else { return }
        let unicode = Array(IDNA.toUnicode(label).unicodeScalars)
        guard unicode.contains(where: { !$0.isASCII }) else { return }  // not decodable: IDNA refused it already
        do {
            _ = try IDNA.asciiLabel(unicode[...])
        } catch {
            throw AddressFailure(.invalidALabel(label), at: offset)
        }
    }

    /// '.' and the full stops UTS #46 maps to it (ideographic, fullwidth, halfwidth ideographic),
    /// which input methods produce when people type a domain in Chinese or Japanese.
    private static func isLabelSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "." || scalar == "\u{3002}" || scalar == "\u{FF0E}" || scalar == "\u{FF61}"
    }
}
