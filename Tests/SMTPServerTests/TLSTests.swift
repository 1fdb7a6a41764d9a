import SMTP
import SMTPServer
import Testing
import TestSupport

/// STARTTLS and implicit TLS with a certificate made at test time.
struct TLSTests {
    private func configuration(_ make: (TLSContext) -> ServerTLSMode) throws -> (SMTPServerConfiguration, TLSContext) {
        let certificate = try TestCertificates.make()
        let serverContext = try TLSContext.server(certificateChainFile: certificate.serverCertificate, privateKeyFile: certificate.serverKey)
        let clientContext = try TLSContext.client(caFile: certificate.caFile, verifiesPeer: true)
        return (SMTPServerConfiguration(tls: make(serverContext)), clientContext)
    }

    @Test func startTLSDiscardsPipelinedPlaintextAndForgetsEHLO() async throws {
        var (configuration, clientContext) = try configuration { .startTLS($0) }
        configuration.requiresTLS = true
        configuration.authentication = ServerAuthentication(mechanisms: [.plain], passwords: ["u": "p"])
        try await withServer(configuration) { server, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            let ehlo = try await client.command("EHLO c")
            #expect(ehlo.lines.contains("STARTTLS"))
            #expect(!ehlo.lines.contains { $0.hasPrefix("AUTH") })  // only inside TLS
            #expect(try await client.command("MAIL FROM:<a@x>").code == 530)
            // CVE-2011-0411: a command injected behind STARTTLS in the same packet.
            try await client.send("STARTTLS\r\nRSET\r\n")
            let ready = try await client.readReply()
            #expect(ready.code == 220)
            #expect(ready.enhancedCode?.description == "2.0.0")
            let tls = try await client.startTLS(context: clientContext)
            #expect(tls.protocolVersion.hasPrefix("TLSv1."))
            // The injected RSET got no reply; the first reply inside TLS answers our MAIL,
            // which fails because TLS reset the session.
            #expect(try await client.command("MAIL FROM:<a@x>").code == 503)
            let secureEHLO = try await client.command("EHLO c")
            #expect(!secureEHLO.lines.contains("STARTTLS"))
            #expect(secureEHLO.lines.contains("AUTH PLAIN"))
            #expect(try await client.command("STARTTLS").code == 503)
            #expect(try await client.sendMessage(from: "a@x", to: ["b@y"], data: "secret\r\n.\r\n", ehlo: false).code == 250)
            let message = try #require(try await server.waitForMessages(count: 1).first)
            #expect(message.tlsActive)
            #expect(message.tls?.protocolVersion == tls.protocolVersion)
            #expect(!server.commands.contains { $0.verb == "RSET" })
            #expect(server.record.tlsHandshakes == 1)
            #expect(server.commands.filter { $0.verb == "MAIL" }.map(\.tlsActive) == [false, true, true])
            _ = try await client.command("QUIT")
        }
    }

    @Test func startTLSNotAdvertisedIsStillAccepted() async throws {
        var (configuration, clientContext) = try configuration { .startTLS($0) }
        configuration.advertisesStartTLS = false
        try await withServer(configuration) { _, port in
            let client = try await RawSMTPClient.connectAndGreet(port: port)
            #expect(!(try await client.command("EHLO c")).lines.contains("STARTTLS"))
            #expect(try await client.command("STARTTLS").code == 220)
            _ = try await client.startTLS(context: clientContext)
            #expect(try await client.command("EHLO c").code == 250)
            await client.close()
        }
    }

    @Test func implicitTLSGreetsAfterTheHandshake() async throws {
        let (configuration, clientContext) = try configuration { .implicit($0) }
        try await withServer(configuration) { server, port in
            let client = try await RawSMTPClient.connect(port: port)
            #expect(await client.staysSilent(for: .milliseconds(200)))
            _ = try await client.startTLS(context: clientContext)
            #expect(try await client.readReply().code == 220)
            let ehlo = try await client.command("EHLO c")
            #expect(!ehlo.lines.contains("STARTTLS"))
            #expect(try await client.sendMessage(from: "a@x", to: ["b@y"], data: "m\r\n.\r\n", ehlo: false).code == 250)
            #expect(try await server.waitForMessages(count: 1)[0].tlsActive)
            await client.close()
        }
    }
}
