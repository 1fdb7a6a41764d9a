import NIOPosix
import SMTP
import SMTPServer

/// Runs `body` against a started server on an ephemeral loopback port and always stops it.
func withServer<T>(_ configuration: SMTPServerConfiguration = SMTPServerConfiguration(),
                   _ body: (SMTPTestServer, Int) async throws -> T) async throws -> T {
    let server = SMTPTestServer(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    let port = try await server.start()
    do {
        let result = try await body(server, port)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}

extension RawSMTPClient {
    /// EHLO, MAIL, RCPT..., DATA and the message, one command at a time; returns the reply
    /// after the dot. `data` is sent as is, so it must already be dot-stuffed and end in
    /// `\r\n.\r\n`.
    func sendMessage(from sender: String, to recipients: [String], data: String, ehlo: Bool = true) async throws -> SMTPReply {
        if ehlo {
            let reply = try await command("EHLO client.test")
            guard reply.code == 250 else { throw TestFailure("EHLO: \(reply)") }
        }
        let mail = try await command("MAIL FROM:<\(sender)>")
        guard mail.code == 250 else { throw TestFailure("MAIL: \(mail)") }
        for recipient in recipients {
            let rcpt = try await command("RCPT TO:<\(recipient)>")
            guard rcpt.code == 250 else { throw TestFailure("RCPT \(recipient): \(rcpt)") }
        }
        let dataReply = try await command("DATA")
        guard dataReply.code == 354 else { throw TestFailure("DATA: \(dataReply)") }
        try await send(data)
        return try await readReply()
    }
}
