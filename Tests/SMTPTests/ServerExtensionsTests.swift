import Testing
@testable import SMTP

struct ServerExtensionsTests {
    @Test func parsesGmailStyleEHLO() {
        let reply = SMTPReply(code: 250, lines: [
            "smtp.gmail.com at your service, [192.0.2.1]", "SIZE 35882577", "8BITMIME", "AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH",
            "ENHANCEDSTATUSCODES", "PIPELINING", "CHUNKING", "SMTPUTF8",
        ])
        let extensions = ServerExtensions(ehloReply: reply)
        #expect(extensions.serverName == "smtp.gmail.com")
        #expect(extensions.maximumSize == 35_882_577)
        #expect(extensions.eightBitMIME && extensions.pipelining && extensions.chunking && extensions.smtpUTF8 && extensions.enhancedStatusCodes)
        #expect(!extensions.startTLS)
        #expect(extensions.authMechanisms == ["LOGIN", "PLAIN", "XOAUTH2", "PLAIN-CLIENTTOKEN", "OAUTHBEARER", "XOAUTH"])
    }

    @Test func parsesOldAuthEqualsFormAndLowerCase() {
        let extensions = ServerExtensions(ehloReply: SMTPReply(code: 250, lines: ["mx", "auth=login plain", "starttls", "size"]))
        #expect(extensions.authMechanisms == ["LOGIN", "PLAIN"])
        #expect(extensions.startTLS)
        #expect(extensions.maximumSize == 0)
    }

    @Test func choosesMechanismsSensibly() {
        let password = SMTPCredentials.password(username: "u", password: "p")
        #expect(AuthMechanism.choose(offered: ["LOGIN", "PLAIN", "CRAM-MD5"], credentials: password, tlsActive: true, forced: nil) == .plain)
        #expect(AuthMechanism.choose(offered: ["LOGIN", "PLAIN", "CRAM-MD5"], credentials: password, tlsActive: false, forced: nil) == .cramMD5)
        #expect(AuthMechanism.choose(offered: ["LOGIN"], credentials: password, tlsActive: true, forced: nil) == .login)
        #expect(AuthMechanism.choose(offered: ["PLAIN", "XOAUTH2"], credentials: .oauth2(username: "u", accessToken: "t"), tlsActive: true, forced: nil) == .xoauth2)
        #expect(AuthMechanism.choose(offered: ["PLAIN"], credentials: .oauth2(username: "u", accessToken: "t"), tlsActive: true, forced: nil) == nil)
        #expect(AuthMechanism.choose(offered: ["PLAIN", "LOGIN"], credentials: password, tlsActive: true, forced: .login) == .login)
    }

    @Test func cramMD5MatchesRFC2195Example() {
        // RFC 2195 section 2: user tim, secret tanstaaftanstaaf.
        let challenge = Array("<1896.697170952@postoffice.reston.mci.net>".utf8)
        #expect(HMACMD5.hexDigest(key: Array("tanstaaftanstaaf".utf8), message: challenge) == "b913a602c7eda7a495b4e6e7334d3890")
    }

    @Test(arguments: [("30s", 30_000), ("5m", 300_000), ("250ms", 250), ("2h", 7_200_000), ("1.5s", 1500), ("10", 10_000)])
    func parsesOperatorDurations(text: String, milliseconds: Int64) {
        #expect(Duration(operatorInput: text) == .milliseconds(milliseconds))
    }

    @Test func refusesBadDurations() {
        #expect(Duration(operatorInput: "soon") == nil)
        #expect(Duration(operatorInput: "5 fortnights") == nil)
    }
}
