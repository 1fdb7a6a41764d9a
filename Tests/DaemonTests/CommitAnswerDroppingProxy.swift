import Foundation
import Glibc
import Synchronization

/// Stands between mailctl and maild on a socket of its own and loses maild's answer to
/// `submit_commit`: maild has committed the job, mailctl never hears so. That is what a
/// daemon killed between the commit and the answer (or a connection cut at that moment)
/// looks like to the client, made deterministic.
///
/// Blocking sockets on threads of their own: the proxy forwards whole frames, so it can tell
/// which answer to drop, and it must not share the test's cooperative pool.
final class CommitAnswerDroppingProxy: Sendable {
    let path: String
    private let upstream: String
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)
    /// How many `submit_commit` answers were swallowed.
    private let dropped = Atomic<Int>(0)

    init(directory: URL, upstream: String) throws {
        path = directory.appendingPathComponent("proxy").path
        self.upstream = upstream
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw HarnessError("socket(AF_UNIX): \(String(cString: strerror(errno)))") }
        let path = self.path, listener = self.listener
        try withUnixAddress(path) { address, length in
            guard bind(listener, address, length) == 0, listen(listener, 16) == 0 else {
                throw HarnessError("bind/listen \(path): \(String(cString: strerror(errno)))")
            }
        }
        Thread { [self] in acceptUntilClosed() }.start()
    }

    var droppedCommitAnswers: Int { dropped.load(ordering: .relaxed) }

    func close() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    private func acceptUntilClosed() {
        while !stopped.load(ordering: .relaxed) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            let server = ProtocolAbuseTests.connectRaw(upstream)
            guard server >= 0 else {
                Glibc.close(client)
                continue
            }
            let commitSent = Atomic<Bool>(false)
            // Client to maild: frames pass unchanged; a commit arms the drop before it leaves,
            // so its answer cannot overtake the flag.
            Thread {
                while let frame = Self.readFrame(client) {
                    if String(decoding: frame.dropFirst(4), as: UTF8.self).contains(#""type":"submit_commit""#) {
                        commitSent.store(true, ordering: .relaxed)
                    }
                    guard Self.writeAll(server, frame) else { break }
                }
                shutdown(server, Int32(SHUT_WR))
            }.start()
            // maild to client: mailctl reads every chunk's answer before it commits, so the
            // first answer after the commit is the commit's; it is swallowed and both sides cut.
            Thread { [self] in
                while let frame = Self.readFrame(server) {
                    if commitSent.load(ordering: .relaxed) {
                        dropped.wrappingAdd(1, ordering: .relaxed)
                        break
                    }
                    guard Self.writeAll(client, frame) else { break }
                }
                shutdown(client, Int32(SHUT_RDWR))
                shutdown(server, Int32(SHUT_RDWR))
                Glibc.close(client)
                Glibc.close(server)
            }.start()
        }
    }

    /// One whole frame (length prefix included), or nil at end of file.
    private static func readFrame(_ descriptor: Int32) -> [UInt8]? {
        guard let header = readExactly(descriptor, 4) else { return nil }
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard let body = readExactly(descriptor, length) else { return nil }
        return header + body
    }

    private static func readExactly(_ descriptor: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let received = bytes[filled...].withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard received > 0 else { return nil }
            filled += received
        }
        return bytes
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return false }
            written += count
        }
        return true
    }
}
