import Foundation
import SMTP
import Testing
@testable import SMTPServer

struct AuthTests {
    static let configuration = SMTPServerConfiguration(authentication: ServerAuthentication(
        mechanisms: [.plain, .login, .cramMD5, .xoauth2], passwords: ["alice": "s3cret"], tokens: ["alice": "ya29.token"],
        isRequired: true))

    private func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    private func greeted(_ port: Int) async throws -> RawSMTPClient {
        let client = try await RawSMTPClient.connectAndGreet(port: port)
        _ = try await client.command("EHLO c")
        return client
    }

    @Test func plainSucceedsAndIsRecorded() async throws {
        try await withServer(Self.configuration) { server, port in
            let client = try await greeted(port)
            #expect(try await client.command("MAIL FROM:<a@x>").code == 530)
            let reply = try await client.command("AUTH PLAIN \(base64("\0alice\0s3cret"))")
            #expect(reply.code == 235)
            #expect(reply.enhancedCode?.description == "2.7.0")
            #expect(try await client.command("AUTH PLAIN \(base64("\0alice\0s3cret"))").code == 503)
            #expect(try await client.sendMessage(from: "a@x", to: ["b@y"], data: "hi\r\n.\r\n", ehlo: false).code == 250)
            #expect(try await server.waitForMessages(count: 1)[0].authenticatedUser == "alice")
            await client.close()
        }
    }

    @Test func plainWithoutInitialResponseAndWrongPassword() async throws {
        try await withServer(Self.configuration) { _, port in
            let client = try await greeted(port)
            let challenge = try await client.command("AUTH PLAIN")
            #expect(challenge.code == 334)
            let reply = try await client.command(base64("\0alice\0wrong"))
            #expect(reply.code == 535)
            #expect(reply.enhancedCode?.description == "5.7.8")
            #expect(try await client.command("MAIL FROM:<a@x>").code == 530)
            await client.close()
        }
    }

    @Test func login() async throws {
        try await withServer(Self.configuration) { _, port in
            let client = try await greeted(port)
            let username = try await client.command("AUTH LOGIN")
            #expect(username.code == 334 && username.text == "VXNlcm5hbWU6")
            let password = try await client.command(base64("alice"))
            #expect(password.code == 334 && password.text == "UGFzc3dvcmQ6")
            #expect(try await client.command(base64("wrong")).code == 535)
            // A second try with the username as initial response.
            #expect(try await client.command("AUTH LOGIN \(base64("alice"))").code == 334)
            #expect(try await client.command(base64("s3cret")).code == 235)
            await client.close()
        }
    }

    @Test(arguments: [("s3cret", 235), ("wrong", 535)])
    func cramMD5(password: String, expected: Int) async throws {
        try await withServer(Self.configuration) { _, port in
            let client = try await greeted(port)
            let challenge = try await client.command("AUTH CRAM-MD5")
            #expect(challenge.code == 334)
            let decoded = try #require(Data(base64Encoded: challenge.text))
            #expect(String(decoding: decoded, as: UTF8.self).hasSuffix("@mx.test.invalid>"))
            let digest = try #require(CRAMMD5Verifier.hexDigest(key: Array(password.utf8), message: Array(decoded)))
            #expect(try await client.command(base64("alice \(digest)")).code == expected)
            await client.close()
        }
    }

    @Test func xoauth2SuccessAndGmailStyleFailure() async throws {
        try await withServer(Self.configuration) { server, port in
            let client = try await greeted(port)
            let wrong = try await client.command("AUTH XOAUTH2 \(base64("user=alice\u{1}auth=Bearer expired\u{1}\u{1}"))")
            #expect(wrong.code == 334)
            let json = String(decoding: try #require(Data(base64Encoded: wrong.text)), as: UTF8.self)
            #expect(json.contains("\"status\":\"400\""))
            let final = try await client.command("")
            #expect(final.code == 535)
            let right = try await client.command("AUTH XOAUTH2 \(base64("user=alice\u{1}auth=Bearer ya29.token\u{1}\u{1}"))")
            #expect(right.code == 235)
            // Neither the token nor its base64 form is in the record.
            let logged = server.commands.map(\.description).joined(separator: "\n")
            #expect(!logged.contains("ya29.token") && !logged.contains("expired"))
            #expect(!logged.contains(base64("user=alice\u{1}auth=Bearer ya29.token\u{1}\u{1}")))
            #expect(server.commands.contains { $0.verb == "AUTH-RESPONSE" })
            await client.close()
        }
    }

    @Test func credentialsNeverReachTheCommandLog() async throws {
        try await withServer(Self.configuration) { server, port in
            let client = try await greeted(port)
            _ = try await client.command("AUTH PLAIN \(base64("\0alice\0s3cret"))")
            _ = try await client.command("RSET")
            let client2 = try await greeted(port)
            _ = try await client2.command("AUTH LOGIN")
            _ = try await client2.command(base64("alice"))
            _ = try await client2.command(base64("s3cret"))
            let logged = server.commands.map { "\($0.verb) \($0.arguments)" }
            #expect(logged.contains("AUTH PLAIN <redacted \(base64("\0alice\0s3cret").utf8.count) octets>"))
            for line in logged {
                #expect(!line.contains("s3cret") && !line.contains(base64("s3cret")) && !line.contains(base64("\0alice\0s3cret")))
            }
            await client.close()
            await client2.close()
        }
    }

    @Test func mechanismsNotOfferedAreRefused() async throws {
        var configuration = Self.configuration
        configuration.authentication.mechanisms = [.plain]
        try await withServer(configuration) { _, port in
            let client = try await greeted(port)
            let reply = try await client.command("AUTH CRAM-MD5")
            #expect(reply.code == 504)
            #expect(try await client.command("AUTH PLAIN *").code == 501)
            #expect(try await client.command("AUTH PLAIN").code == 334)
            #expect(try await client.command("*").code == 501)
            await client.close()
        }
    }
}
