import Foundation
import IPC
import Testing

/// Something that accepts on the socket path and never answers (a stuck process, another
/// program) is given up on after the hello timeout with a message that says so; mailctl used to
/// wait until the peer closed, 40 s in exploratory testing, then print a raw read error.
@Suite(.timeLimit(.minutes(1)))
struct HelloTimeoutTests {
    @Test func aSocketThatNeverAnswersHelloIsReportedAsSuch() async throws {
        let path = "/tmp/maild-hello-\(UUID().uuidString.prefix(8)).sock"
        let listener = try Self.listenWithoutAnswering(at: path)
        defer {
            close(listener)
            unlink(path)
        }
        let started = ContinuousClock.now
        do {
            try await IPCClient.withConnection(socketPath: path, helloTimeout: .milliseconds(300)) { _ in }
            Issue.record("hello succeeded against a silent socket")
        } catch let error as IPCError {
            guard case .daemonUnreachable(let socketPath, let detail, let hint) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(socketPath == path)
            #expect(detail == "no answer to hello within 300 ms")
            #expect(hint.contains("systemctl status maild"))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    /// A listening socket whose connections wait in the backlog, never accepted.
    static func listenWithoutAnswering(at path: String) throws -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard descriptor >= 0, bound == 0, listen(descriptor, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        return descriptor
    }
}
