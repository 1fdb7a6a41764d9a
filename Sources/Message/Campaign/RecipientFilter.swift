/// The checks every recipient passes, at load time and again while streaming: a valid address
/// (and display name), and not seen before (same address, domain compared case-insensitively).
struct RecipientFilter {
    enum Outcome {
        case accepted(CampaignRecipient)
        case duplicate
        case invalid(message: String)
    }

    private var seen = Set<AddressFingerprint>()

    mutating func check(email: String, name: String?, variables: [String: String]) -> Outcome {
        let trimmedName = name.map { $0.trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
        let address: EmailAddress
        do {
            address = try EmailAddress(addrSpec: email.trimmingSpaces, displayName: trimmedName)
        } catch {
            return .invalid(message: Self.describe(error, email: email))
        }
        guard seen.insert(AddressFingerprint(address)).inserted else { return .duplicate }
        return .accepted(CampaignRecipient(address: email.trimmingSpaces, name: trimmedName, variables: variables))
    }

    static func describe(_ error: MessageError, email: String) -> String {
        switch error {
        case .invalidAddress(let input, let problem, _):
            return "\(MessageError.quoted(input)) is not a valid address: \(problem)"
        case .forbiddenCharacter(let scalar, let offset, _):
            return "name: control character \(MessageError.scalar(scalar)) at character \(offset + 1) is not allowed"
        default:
            return "\(MessageError.quoted(email)): \(error)"
        }
    }
}
