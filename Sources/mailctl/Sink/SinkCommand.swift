import ArgumentParser
import Dispatch
import Foundation
import SMTP
import SMTPServer

/// `mailctl sink`: a local capture server, the embedded default target for demos and dry runs.
/// Every message is accepted and stored as a `.eml` file; nothing is relayed anywhere.
struct SinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "Run a capture SMTP server that stores every message as a .eml file.",
        discussion: "Runs until interrupted (Ctrl-C or SIGTERM). Nothing is relayed."
    )

    @Option(help: "Address and port to listen on, e.g. 127.0.0.1:2525 or [::1]:2525.")
    var listen: String = "127.0.0.1:2525"

    @Option(help: "Folder where each message is stored as <time>-<number>.eml (created if missing).")
    var maildir: String

    @Option(help: "TLS mode offered to clients: none, starttls or implicit (these need --tls-cert and --tls-key).")
    var tls: TLSModeArgument = .none

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain for TLS.")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for TLS.")
    var tlsKey: String?

    @Option(name: .customLong("max-size"), help: "Largest message accepted, in bytes (announced with SIZE).")
    var maximumSize: Int = 50 * 1024 * 1024

    @Option(help: "Host name in the greeting.")
    var hostname: String = "sink.maild.localhost"

    mutating func run() async throws {
        let (host, port) = try ListenAddress.parse(listen)
        let serverTLS: ServerTLSMode
        switch tls {
        case .none:
            serverTLS = .none
        case .starttls, .implicit:
            guard let tlsCertificate, let tlsKey else {
                throw ValidationError("--tls \(tls.rawValue) needs --tls-cert and --tls-key")
            }
            let context = try TLSContext.server(certificateChainFile: tlsCertificate, privateKeyFile: tlsKey)
            serverTLS = tls == .implicit ? .implicit(context) : .startTLS(context)
        }
        let directory = URL(fileURLWithPath: maildir)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw commandFailure("--maildir: cannot create \(maildir): \(error.localizedDescription)")
        }
        let configuration = SMTPServerConfiguration(
            host: host, port: port, hostname: hostname, tls: serverTLS, maximumMessageSize: maximumSize,
            maildir: MaildirSink(directory: directory), recordLimit: 0)
        let server = SMTPTestServer(configuration: configuration)
        let boundPort: Int
        do {
            boundPort = try await server.start()
        } catch {
            guard case SMTPServerError.bindFailed(_, _, _, let code) = error else { throw commandFailure("cannot listen on \(listen): \(error)") }
            if code == EADDRINUSE {
                throw commandFailure("cannot listen on \(listen): the port is already in use (another sink or mail server?); pick another with --listen")
            }
            if code == EACCES {
                throw commandFailure("cannot listen on \(listen): permission denied (ports below 1024 need root); pick a port above 1024 with --listen")
            }
            throw commandFailure("cannot listen on \(listen): \(error)")
        }
        // Written unbuffered: scripts and tests wait for this line to know the port is open.
        let banner = "mailctl sink: listening on \(host.contains(":") ? "[\(host)]" : host):\(boundPort) (TLS \(tls.rawValue)), storing messages in \(directory.path)\n"
        FileHandle.standardOutput.write(Data(banner.utf8))
        await SignalWaiter.waitForTermination()
        print("mailctl sink: stopping")
        try await server.stop()
    }
}

/// `host:port` and `[v6]:port` as operators write them.
enum ListenAddress {
    static func parse(_ text: String) throws -> (host: String, port: Int) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ValidationError("--listen: \(text) is not [ADDRESS]:PORT")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ValidationError("--listen: \(text) is not HOST:PORT") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65535).contains(port), !host.isEmpty else {
            throw ValidationError("--listen: \(text) is not HOST:PORT with a port from 0 to 65535")
        }
        return (String(host), port)
    }
}

/// Waits for SIGINT or SIGTERM without blocking a thread.
enum SignalWaiter {
    static func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queue = DispatchQueue(label: "mailctl.signals")
            let once = OnceFlag()
            var sources: [DispatchSourceSignal] = []
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler {
                    if once.claim() { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
            SignalSources.keep(sources)
        }
    }
}

/// Keeps the signal sources alive for the life of the process.
private enum SignalSources {
    nonisolated(unsafe) private static var retained: [DispatchSourceSignal] = []
    static func keep(_ sources: [DispatchSourceSignal]) { retained = sources }
}

private final class OnceFlag: @unchecked Sendable {
    private var claimed = false
    private let lock = NSLock()
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if claimed { return false }
        claimed = true
        return true
    }
}
