/// One line of a recipient list as the daemon parsed it.
public struct NewRecipient: Hashable, Sendable {
    /// The address as submitted, used in RCPT TO.
    public var address: String
    /// The form duplicates and suppression are matched on (see `QueueStore.normalize`).
    public var normalizedAddress: String
    public var domain: String
    public var name: String?
    /// Template variables as JSON text.
    public var variables: String?
    /// Set when the daemon already knows this recipient must not be sent (an invalid address):
    /// it is stored as skipped with this reason, so the report still lists it.
    public var skipReason: String?

    public init(address: String, normalizedAddress: String? = nil, name: String? = nil, variables: String? = nil,
                skipReason: String? = nil) {
        self.address = address
        let normalized = normalizedAddress ?? QueueStore.normalize(address)
        self.normalizedAddress = normalized
        if let at = normalized.lastIndex(of: "@") {
            domain = String(normalized[normalized.index(after: at)...])
        } else {
            domain = ""
        }
        self.name = name
        self.variables = variables
        self.skipReason = skipReason
    }
}
