import Testing
@testable import SMTP

struct SMTPCommandTests {
    @Test func encodesCommands() throws {
        #expect(try SMTPCommand.mailFrom(address: "a@example.com", parameters: ["SIZE=10", "BODY=8BITMIME"]).encoded() == "MAIL FROM:<a@example.com> SIZE=10 BODY=8BITMIME\r\n")
        #expect(try SMTPCommand.rcptTo(address: "b@example.com", parameters: []).encoded() == "RCPT TO:<b@example.com>\r\n")
        #expect(try SMTPCommand.mailFrom(address: "", parameters: []).encoded() == "MAIL FROM:<>\r\n")
        #expect(try SMTPCommand.auth(mechanism: "PLAIN", initialResponse: "").encoded() == "AUTH PLAIN =\r\n")
        #expect(try SMTPCommand.bdat(size: 42, last: true).encoded() == "BDAT 42 LAST\r\n")
    }

    @Test(arguments: ["evil@example.com>\r\nRCPT TO:<victim@example.com", "a@b\n", "a@b\0"])
    func refusesCommandInjection(address: String) {
        #expect(throws: SMTPCommandError.controlCharacter(command: "RCPT TO")) {
            try SMTPCommand.rcptTo(address: address, parameters: []).encoded()
        }
    }

    @Test func refusesOverLongLines() {
        #expect(throws: SMTPCommandError.self) {
            try SMTPCommand.rcptTo(address: String(repeating: "a", count: 600) + "@example.com", parameters: []).encoded()
        }
    }

    @Test func authResponseVerbNeverShowsTheCredential() {
        #expect(SMTPCommand.authResponse("c2VjcmV0").verb == "AUTH response")
        #expect(!SMTPCredentials.password(username: "u", password: "hunter2").description.contains("hunter2"))
        #expect(!SMTPCredentials.oauth2(username: "u", accessToken: "ya29.token").description.contains("ya29"))
    }
}
