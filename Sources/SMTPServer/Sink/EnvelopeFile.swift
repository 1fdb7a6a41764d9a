import Foundation

/// The sidecar `<name>.envelope.json` next to each `.eml`: what the SMTP envelope said, which
/// the message bytes alone do not (Bcc recipients, the bounce address).
struct EnvelopeFile: Codable, Equatable {
    var mailFrom: String
    var mailParameters: [String]
    var recipients: [String]
    var connectionId: Int
    var clientName: String?
    var authenticatedUser: String?
    var tlsProtocol: String?
    var tlsCipher: String?
    var usedBdat: Bool
    var size: Int
    var receivedAt: Date

    init(_ message: ReceivedMessage) {
        mailFrom = message.mailFrom
        mailParameters = message.mailParameters
        recipients = message.recipients
        connectionId = message.connectionID
        clientName = message.clientName
        authenticatedUser = message.authenticatedUser
        tlsProtocol = message.tls?.protocolVersion
        tlsCipher = message.tls?.cipher
        usedBdat = message.usedBDAT
        size = message.data.count
        receivedAt = message.receivedAt
    }

    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    func encoded() throws(SMTPServerError) -> [UInt8] {
        do {
            return Array(try Self.makeEncoder().encode(self)) + [0x0A]
        } catch {
            throw .maildirWriteFailed(path: "envelope", detail: "cannot encode JSON: \(error)")
        }
    }
}
