import Foundation
import Glibc

/// A control-socket client that writes frames by hand and reads one answer per request, as a
/// program that skips mailctl would.
final class RawIPCClient {
    let descriptor: Int32

    init(socketPath: String) throws {
        descriptor = ProtocolAbuseTests.connectRaw(socketPath)
        guard descriptor >= 0 else { throw HarnessError("cannot connect to \(socketPath)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func close() { _ = Glibc.close(descriptor) }

    func call(_ json: String) throws -> [String: Any] {
        try send(json)
        return try receive()
    }

    /// Writes one request frame without waiting for its answer (pipelined chunks, a watch).
    func send(_ json: String) throws {
        let frame = ProtocolAbuseTests.frame(json)
        var written = 0
        while written < frame.count {
            let count = frame[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw HarnessError("write failed: errno \(errno)") }
            written += count
        }
    }

    /// Reads the next answer frame (waiting at most the 10 s receive timeout).
    func receive() throws -> [String: Any] {
        let header = try read(4)
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        let body = try read(length)
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw HarnessError("not a JSON object: \(String(decoding: body, as: UTF8.self))")
        }
        return object
    }

    private func read(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let received = bytes[filled...].withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard received > 0 else { throw HarnessError("connection closed or timed out after \(filled) of \(count) bytes") }
            filled += received
        }
        return bytes
    }

    /// A small valid spec for the test account, base64 as submit_begin carries it.
    static func spec(attachments: [String] = []) -> String {
        let json = #"{"name":"raw","account":"test","from":{"address":"a@example.org"},"subject":"s","text":"t","#
            + #""attachments":[\#(attachments.joined(separator: ","))],"headers":[],"send_at":"2099-01-01T00:00:00Z"}"#
        return Data(json.utf8).base64EncodedString()
    }

    static func chunk(id: Int, jobID: Int, _ range: ClosedRange<Int>) -> String {
        let recipients = range.map { #"{"address":"user\#($0)@example.com","variables":{}}"# }.joined(separator: ",")
        return #"{"id":\#(id),"type":"submit_chunk","body":{"job_id":\#(jobID),"recipients":[\#(recipients)]}}"#
    }
}
