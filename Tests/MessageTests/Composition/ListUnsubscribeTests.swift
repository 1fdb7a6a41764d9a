import Foundation
import Message
import Testing

/// List-Unsubscribe (RFC 2369) carries the recipient's token in every form, and one-click
/// (RFC 8058) is offered for every URL the loader accepts as https, whatever the scheme's case.
struct ListUnsubscribeTests {
    static let context = RenderContext(jobID: 9, recipientID: 1, date: Date(timeIntervalSince1970: 0), unsubscribeSecret: Array("key".utf8),
                                       hostname: "mail.example.com")

    static func render(_ unsubscribe: CampaignUnsubscribe, to address: String = "ann@example.com") throws -> String {
        let spec = CampaignSpec(name: "u", account: "demo", from: CampaignMailbox(name: "News", address: "news@example.com"),
                                subject: "Hi", text: "Body", unsubscribe: unsubscribe)
        let message = try MessageComposer(spec: spec).render(recipient: CampaignRecipient(address: address), context: context)
        return String(decoding: message.bytes, as: UTF8.self)
    }

    static func token(for address: String) throws -> String {
        UnsubscribeToken.make(secret: Array("key".utf8), jobID: 9, address: try EmailAddress(addrSpec: address))
    }

    @Test(arguments: ["https://example.com/u/{{token}}", "HTTPS://example.com/u/{{token}}", "Https://example.com/u/{{token}}"])
    func everyHTTPSURLGetsOneClick(url: String) throws {
        let message = try Self.render(CampaignUnsubscribe(url: url))
        #expect(message.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), "\(url)")
    }

    @Test func mailtoCarriesTheRecipientsToken() throws {
        for address in ["ann@example.com", "bob@example.org"] {
            let message = try Self.render(CampaignUnsubscribe(mailto: "unsub@example.com"), to: address)
            let token = try Self.token(for: address)
            #expect(message.contains("List-Unsubscribe: <mailto:unsub@example.com?subject=unsubscribe%20\(token)>\r\n"), "\(address)")
            #expect(!message.contains("List-Unsubscribe-Post"), "one-click needs an https URL (RFC 8058 3.1)")
        }
    }
}
