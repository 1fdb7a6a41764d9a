import Foundation
import IPC
import Message
import Queue

/// How a campaign crosses the socket: the spec as JSON in the wire's conventions, recipients
/// checked again by the daemon (mailctl's checks are a courtesy, not a guarantee).
public enum CampaignWire {
    public static func encodeSpec(_ spec: CampaignSpec) throws -> Data {
        try IPCProtocol.makeEncoder().encode(spec)
    }

    public static func decodeSpec(_ data: Data) throws -> CampaignSpec {
        try IPCProtocol.makeDecoder().decode(CampaignSpec.self, from: data)
    }

    /// An address the daemon cannot parse is stored as skipped with the reason, never sent and
    /// never a reason to refuse the rest of the chunk.
    static func newRecipients(_ recipients: [WireRecipient]) -> [NewRecipient] {
        recipients.map(newRecipient)
    }

    static func newRecipient(_ recipient: WireRecipient) -> NewRecipient {
        let variables = recipient.variables.isEmpty ? nil : JSONText.object(recipient.variables)
        do {
            let address = try EmailAddress(addrSpec: recipient.address)
            return NewRecipient(address: recipient.address, normalizedAddress: address.normalizedKey, name: recipient.name, variables: variables)
        } catch {
            return NewRecipient(address: recipient.address, name: recipient.name, variables: variables, skipReason: "invalid address: \(error)")
        }
    }

    /// Decodes the variables stored with a claimed recipient; `decoder` is the worker's own,
    /// reused for every message it sends.
    static func campaignRecipient(_ claimed: ClaimedRecipient, decoder: JSONDecoder) -> CampaignRecipient {
        var variables: [String: String] = [:]
        if let json = claimed.variables, let data = json.data(using: .utf8),
           let decoded = try? decoder.decode([String: String].self, from: data) {
            variables = decoded
        }
        return CampaignRecipient(address: claimed.address, name: claimed.name, variables: variables)
    }
}
