import Foundation

/// A domain or a family of domains in the provider table.
///
/// `gmail.com` matches itself only. `hotmail.*` matches `hotmail.` followed by one or more
/// labels (hotmail.com, hotmail.co.uk, hotmail.fr): Microsoft and Yahoo run the same
/// service under dozens of country domains. `*.example.com` matches subdomains of
/// example.com (not example.com itself).
public struct DomainPattern: Hashable, Sendable, CustomStringConvertible {
    public enum Wildcard: Hashable, Sendable {
        case none
        /// `*.rest`: one or more labels before `rest`.
        case leading
        /// `rest.*`: one or more labels after `rest`.
        case trailing
    }

    /// The literal labels, normalized (lowercase, U-labels).
    public let labels: [String]
    public let wildcard: Wildcard

    /// Parses a pattern as written in the provider table; nil when it is not a domain.
    public init?(_ text: String) {
        let normalized = DomainName.normalize(text)
        var labels = normalized.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var wildcard = Wildcard.none
        if labels.first == "*" {
            wildcard = .leading
            labels.removeFirst()
        } else if labels.last == "*" {
            wildcard = .trailing
            labels.removeLast()
        }
        guard !labels.isEmpty, labels.allSatisfy({ !$0.isEmpty && !$0.contains("*") && !$0.contains("@") && !$0.contains(where: \.isWhitespace) }) else { return nil }
        self.labels = labels
        self.wildcard = wildcard
    }

    /// Whether `labels` (of a normalized domain) belong to this pattern.
    func matches(labels domain: [Substring]) -> Bool {
        switch wildcard {
        case .none:
            return domain.count == labels.count && zip(domain, labels).allSatisfy { $0 == $1 }
        case .trailing:
            return domain.count > labels.count && zip(domain, labels).allSatisfy { $0 == $1 }
        case .leading:
            return domain.count > labels.count && zip(domain.suffix(labels.count), labels).allSatisfy { $0 == $1 }
        }
    }

    public var description: String {
        switch wildcard {
        case .none: return labels.joined(separator: ".")
        case .leading: return "*." + labels.joined(separator: ".")
        case .trailing: return labels.joined(separator: ".") + ".*"
        }
    }
}

/// Domain normalization shared by patterns and lookups.
enum DomainName {
    /// Lowercase, no surrounding space or trailing root dot, A-labels decoded to U-labels
    /// (IDNA, RFC 5891), so both spellings of an internationalized domain compare equal.
    static func normalize(_ text: String) -> String {
        var domain = text.trimmingCharacters(in: .whitespaces).lowercased()
        if domain.hasSuffix(".") { domain.removeLast() }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false).map { label -> String in
            guard label.hasPrefix("xn--"), let decoded = Punycode.decode(String(label.dropFirst(4))) else { return String(label) }
            return decoded.lowercased()
        }
        return labels.joined(separator: ".")
    }
}
