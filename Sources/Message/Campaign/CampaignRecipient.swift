/// One recipient as the campaign lists it: the address as written, an optional display name and
/// the template variables of that recipient (CSV columns or inline `vars`).
public struct CampaignRecipient: Codable, Sendable, Equatable {
    /// As written in the list; `MessageComposer` parses it again and converts the domain to its
    /// A-label for the envelope.
    public var address: String
    public var name: String?
    public var variables: [String: String]

    public init(address: String, name: String? = nil, variables: [String: String] = [:]) {
        self.address = address
        self.name = name
        self.variables = variables
    }
}
