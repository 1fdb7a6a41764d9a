import Foundation
import SMTP
import Testing
@testable import SMTPServer

struct AuthVerificationTests {
    /// RFC 2195 section 2's example exchange.
    @Test func cramMD5MatchesTheRFCExample() {
        let challenge = "<1896.697170952@postoffice.reston.mci.net>"
        #expect(CRAMMD5Verifier.hexDigest(key: Array("tanstaaftanstaaf".utf8), message: Array(challenge.utf8))
            == "b913a602c7eda7a495b4e6e7334d3890")
        #expect(CRAMMD5Verifier.verify(challenge: challenge, digest: "B913A602C7EDA7A495B4E6E7334D3890", password: "tanstaaftanstaaf"))
        #expect(!CRAMMD5Verifier.verify(challenge: challenge, digest: "b913a602c7eda7a495b4e6e7334d3891", password: "tanstaaftanstaaf"))
    }

    @Test func plainRejectsActingForAnotherUser() {
        let credentials = ServerAuthentication(mechanisms: [.plain], passwords: ["alice": "pw", "bob": "pw2"])
        let proxy = Data("bob\0alice\0pw".utf8).base64EncodedString()
        let (exchange, step) = SASLServerExchange.start(mechanism: .plain, initialResponse: proxy, credentials: credentials, hostname: "h")
        #expect(exchange == nil)
        #expect(step == .failed(.invalidCredentials))
    }

    @Test func cancelAndGarbage() {
        let credentials = ServerAuthentication(mechanisms: [.login], passwords: ["alice": "pw"])
        var (exchange, step) = SASLServerExchange.start(mechanism: .login, initialResponse: nil, credentials: credentials, hostname: "h")
        #expect(step == .challenge("VXNlcm5hbWU6"))
        #expect(exchange?.respond("*") == .failed(.cancelled))
        (exchange, _) = SASLServerExchange.start(mechanism: .login, initialResponse: nil, credentials: credentials, hostname: "h")
        #expect(exchange?.respond("not base64!") == .failed(.malformed))
    }
}
