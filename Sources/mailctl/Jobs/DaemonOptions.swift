import ArgumentParser
import Foundation
import IPC
import Message

/// How mailctl finds maild: --socket, else $MAILD_SOCKET, else the systemd default.
struct DaemonOptions: ParsableArguments {
    @Option(name: .customLong("socket"), help: "maild's control socket (default: $MAILD_SOCKET or /run/maild/maild.sock).")
    var socket: String?

    var socketPath: String {
        // An empty MAILD_SOCKET (`MAILD_SOCKET= mailctl ...`, an unset variable in a unit file)
        // means "not set", not a socket at "".
        let environment = ProcessInfo.processInfo.environment["MAILD_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        return socket ?? environment ?? "/run/maild/maild.sock"
    }

    /// Runs `body` on a connection, turning IPC failures into operator messages and exit 1.
    func withDaemon<Result: Sendable>(_ body: (inout IPCClient) async throws -> Result) async throws -> Result {
        do {
            return try await IPCClient.withConnection(socketPath: socketPath, body)
        } catch let error as IPCError {
            printError("mailctl: \(error)")
            throw ExitCode(1)
        }
    }
}

extension DaemonOptions {
    /// The daemon's `[limits]`, to check a campaign against before uploading it; the
    /// built-in defaults when the daemon cannot be asked (the upload will say why).
    func campaignLimits() async -> CampaignLimits {
        let told = try? await IPCClient.withConnection(socketPath: socketPath) { client in client.server?.limits }
        guard let told = told ?? nil else { return .standard }
        return CampaignLimits(maximumRecipients: told.maxRecipients, maximumAttachments: told.maxAttachments,
                              maximumAttachmentSize: told.maxAttachmentSize, maximumTotalAttachmentSize: told.maxTotalAttachmentSize,
                              maximumTemplateSize: told.maxTemplateSize)
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Standard output through write(2): a reader that goes away (`mailctl report 1 | head`)
/// ends mailctl quietly, as it ends cat, instead of crashing in FileHandle.
func writeOut(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            exit(errno == EPIPE ? 0 : 1)
        }
        bytes = bytes.dropFirst(written)
    }
}

func encodeJSONLine<T: Encodable>(_ value: T) -> String {
    guard let data = try? IPCProtocol.makeEncoder().encode(value), let text = String(data: data, encoding: .utf8) else { return "{}\n" }
    return text + "\n"
}

extension IPCResponse {
    func job() throws -> JobStatus {
        guard case .job(let status) = self else { throw IPCError.unexpectedResponse(expected: "job", received: type) }
        return status
    }
}
