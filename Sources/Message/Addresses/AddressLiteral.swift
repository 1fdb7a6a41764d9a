/// The address literals of RFC 5321 4.1.3: `[192.0.2.1]` and `[IPv6:2001:db8::1]`.
enum AddressLiteral {
    /// IPv4-address-literal: four Snum (1-3 digits, 0-255) separated by dots.
    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.unicodeScalars.allSatisfy(\.isASCIIDigit), let value = Int(part) else {
                return false
            }
            return value <= 255
        }
    }

    /// IPv6-addr: IPv6-full, IPv6-comp, IPv6v4-full or IPv6v4-comp.
    static func isIPv6(_ text: Substring) -> Bool {
        var body = text
        var groupLimit = 8
        // A trailing dotted quad (IPv6v4-full / IPv6v4-comp) stands for two 16-bit groups.
        if let lastColon = body.lastIndex(of: ":"), body[body.index(after: lastColon)...].contains(".") {
            guard isIPv4(body[body.index(after: lastColon)...]) else { return false }
            body = body[...lastColon]
            if !body.hasSuffix("::") { body = body.dropLast() }
            groupLimit = 6
        }
        guard let compression = body.firstRange(of: "::") else {
            let groups = body.split(separator: ":", omittingEmptySubsequences: false)
            return groups.count == groupLimit && groups.allSatisfy(isHexGroup)
        }
        let left = body[..<compression.lowerBound]
        let right = body[compression.upperBound...]
        let leftGroups = left.isEmpty ? [] : left.split(separator: ":", omittingEmptySubsequences: false)
        let rightGroups = right.isEmpty ? [] : right.split(separator: ":", omittingEmptySubsequences: false)
        // "The '::' represents at least 2 16-bit groups of zeros": at most 6 (or 4 beside an IPv4
        // part) explicit groups. A second "::" leaves an empty group and fails the hex check.
        return leftGroups.count + rightGroups.count <= groupLimit - 2
            && leftGroups.allSatisfy(isHexGroup) && rightGroups.allSatisfy(isHexGroup)
    }

    private static func isHexGroup(_ group: Substring) -> Bool {
        (1...4).contains(group.count) && group.unicodeScalars.allSatisfy(\.isASCIIHexDigit)
    }
}
