/// The grammar of RFC 5322 3.4 (mailbox, name-addr, addr-spec) restricted to what SMTP can carry
/// (RFC 5321 4.1.2) and to what a campaign needs: no comments, no obsolete forms, no control
/// characters anywhere. Works on Unicode scalars so every failure has an exact offset.
enum AddressParser {
    struct Parsed {
        var displayName: String?
        /// Quotes removed and quoted-pairs resolved.
        var localPart: String
        var domain: EmailDomain
        /// Where the addr-spec starts (for length failures) and ends.
        var addrSpecStart: Int
        var addrSpecEnd: Int
    }

    /// mailbox = name-addr / addr-spec, surrounded by optional spaces.
    static func mailbox(_ scalars: [Unicode.Scalar]) throws(AddressFailure) -> Parsed {
        try rejectControls(scalars)
        var lower = 0
        var upper = scalars.count
        while lower < upper && scalars[lower] == " " { lower += 1 }
        while upper > lower && scalars[upper - 1] == " " { upper -= 1 }
        guard lower < upper else { throw AddressFailure(.empty, at: 0) }

        guard let angle = unquotedAngleBracket(scalars, in: lower..<upper) else {
            return try addrSpec(scalars, from: lower, upper: upper, terminator: nil)
        }
        let displayName = try phrase(scalars, in: lower..<angle)
        var parsed = try addrSpec(scalars, from: angle + 1, upper: upper, terminator: ">")
        let close = parsed.addrSpecEnd
        guard close < upper, scalars[close] == ">" else { throw AddressFailure(.missingClosingAngleBracket, at: angle) }
        var after = close + 1
        while after < upper && scalars[after] == " " { after += 1 }
        if after < upper {
            throw AddressFailure(.unexpectedTextAfterAddress(scalars[after]), at: after)
        }
        parsed.displayName = displayName
        return parsed
    }

    /// addr-spec alone, as in `EmailAddress(addrSpec:)`.
    static func addrSpecOnly(_ scalars: [Unicode.Scalar]) throws(AddressFailure) -> Parsed {
        try rejectControls(scalars)
        guard !scalars.isEmpty else { throw AddressFailure(.empty, at: 0) }
        return try addrSpec(scalars, from: 0, upper: scalars.count, terminator: nil)
    }

    private static func rejectControls(_ scalars: [Unicode.Scalar]) throws(AddressFailure) {
        if let index = scalars.firstIndex(where: \.isMessageControl) {
            throw AddressFailure(.controlCharacter(scalars[index]), at: index)
        }
    }

    /// The first '<' outside a quoted string: where a name-addr's angle-addr starts.
    private static func unquotedAngleBracket(_ scalars: [Unicode.Scalar], in range: Range<Int>) -> Int? {
        var inQuotes = false
        var index = range.lowerBound
        while index < range.upperBound {
            switch scalars[index] {
            case "\\" where inQuotes: index += 1
            case "\"": inQuotes.toggle()
            case "<" where !inQuotes: return index
            default: break
            }
            index += 1
        }
        return nil
    }

    /// display-name = phrase = 1*word, word = atom / quoted-string. Words are joined with one
    /// space; '.' is accepted in atoms because "John Q. Public <...>" is common (obs-phrase).
    private static func phrase(_ scalars: [Unicode.Scalar], in range: Range<Int>) throws(AddressFailure) -> String? {
        var result = String.UnicodeScalarView()
        var pendingSpace = false
        var index = range.lowerBound
        while index < range.upperBound {
            let scalar = scalars[index]
            if scalar == " " {
                pendingSpace = !result.isEmpty
                index += 1
                continue
            }
            if pendingSpace {
                result.append(" ")
                pendingSpace = false
            }
            switch scalar {
            case "\"":
                let open = index
                index += 1
                while true {
                    guard index < range.upperBound else { throw AddressFailure(.unterminatedQuotedString, at: open) }
                    let quoted = scalars[index]
                    if quoted == "\"" { break }
                    if quoted == "\\" {
                        guard index + 1 < range.upperBound else { throw AddressFailure(.unterminatedQuotedString, at: open) }
                        index += 1
                    }
                    result.append(scalars[index])
                    index += 1
                }
                index += 1
            case "(":
                throw AddressFailure(.commentNotSupported, at: index)
            case _ where scalar.isAtext || scalar == ".":
                result.append(scalar)
                index += 1
            default:
                throw AddressFailure(.unexpectedCharacter(scalar, in: .displayName), at: index)
            }
        }
        return result.isEmpty ? nil : String(result)
    }

    /// addr-spec = local-part "@" domain, where local-part is a dot-atom or a quoted-string
    /// (RFC 5321 Dot-string / Quoted-string) and the domain ends at `terminator` or `upper`.
    private static func addrSpec(
        _ scalars: [Unicode.Scalar], from start: Int, upper: Int, terminator: Unicode.Scalar?
    ) throws(AddressFailure) -> Parsed {
        var index = start
        guard index < upper, scalars[index] != terminator else { throw AddressFailure(.empty, at: index) }
        var local = String.UnicodeScalarView()
        if scalars[index] == "\"" {
            let open = index
            index += 1
            while true {
                guard index < upper else { throw AddressFailure(.unterminatedQuotedString, at: open) }
                let scalar = scalars[index]
                if scalar == "\"" { break }
                if scalar == "\\" {
                    // quoted-pairSMTP = "\" %d32-126; non-ASCII too under SMTPUTF8.
                    guard index + 1 < upper else { throw AddressFailure(.unterminatedQuotedString, at: open) }
                    index += 1
                } else if !scalar.isQuotedText {
                    throw AddressFailure(.unexpectedCharacter(scalar, in: .localPart), at: index)
                }
                local.append(scalars[index])
                index += 1
            }
            index += 1
            guard index < upper, scalars[index] == "@" else {
                if index == upper || scalars[index] == terminator { throw AddressFailure(.missingAt, at: index) }
                throw AddressFailure(.textAfterQuotedLocalPart(scalars[index]), at: index)
            }
            // RFC 5321 allows "" as a local part, but no mailbox is called that; it is a typo.
            guard !local.isEmpty else { throw AddressFailure(.emptyLocalPart, at: open) }
        } else {
            let partStart = index
            while index < upper && scalars[index] != "@" {
                let scalar = scalars[index]
                if scalar == "." {
                    if index == partStart { throw AddressFailure(.leadingDot(in: .localPart), at: index) }
                    if scalars[index - 1] == "." { throw AddressFailure(.consecutiveDots(in: .localPart), at: index) }
                } else if scalar == terminator {
                    throw AddressFailure(.missingAt, at: index)
                } else if !scalar.isAtext {
                    throw AddressFailure(.unexpectedCharacter(scalar, in: .localPart), at: index)
                }
                local.append(scalar)
                index += 1
            }
            guard index < upper else { throw AddressFailure(.missingAt, at: index) }
            guard index > partStart else { throw AddressFailure(.emptyLocalPart, at: index) }
            if scalars[index - 1] == "." { throw AddressFailure(.trailingDot(in: .localPart), at: index - 1) }
        }

        let domainStart = index + 1
        var domainEnd = upper
        if let terminator, let end = scalars[domainStart..<upper].firstIndex(of: terminator) {
            domainEnd = end
        }
        let domain = try DomainParser.parse(scalars, in: domainStart..<domainEnd)
        return Parsed(displayName: nil, localPart: String(local), domain: domain, addrSpecStart: start, addrSpecEnd: domainEnd)
    }
}
