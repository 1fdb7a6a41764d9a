import Foundation
import Testing

/// Bad input on the control socket costs at most that connection: the daemon answers or
/// closes, and every other client carries on.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ProtocolAbuseTests {
    /// Sends raw bytes on a fresh connection and returns what came back before the daemon
    /// closed it (or before a second passed).
    static func exchange(_ bytes: [UInt8], socketPath: String) throws -> [UInt8] {
        let descriptor = connectRaw(socketPath)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return received
    }

    /// A connected stream socket, or -1.
    static func connectRaw(_ socketPath: String) -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return -1 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in socketPath.utf8.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            return -1
        }
        return descriptor
    }

    static func frame(_ json: String) -> [UInt8] {
        let body = Array(json.utf8)
        let length = UInt32(body.count).bigEndian
        return withUnsafeBytes(of: length) { Array($0) } + body
    }

    @Test func garbageOversizedTruncatedAndUnknownFramesLeaveTheDaemonServing() async throws {
        let harness = try await DaemonHarness()
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let hello = Self.frame(#"{"id":1,"type":"hello","body":{"protocol_version":1,"client":"abuse"}}"#)

        let garbage = try Self.exchange(Self.frame("this is not json"), socketPath: harness.socketPath)
        #expect(String(decoding: garbage, as: UTF8.self).contains("not valid JSON"))

        let unknown = try Self.exchange(hello + Self.frame(#"{"id":2,"type":"explode","body":{}}"#), socketPath: harness.socketPath)
        #expect(String(decoding: unknown, as: UTF8.self).contains("unknown_request"))

        let wrongField = try Self.exchange(hello + Self.frame(#"{"id":2,"type":"status","body":{"job_id":"seven"}}"#), socketPath: harness.socketPath)
        #expect(String(decoding: wrongField, as: UTF8.self).contains("body.job_id"))

        let noHello = try Self.exchange(Self.frame(#"{"id":1,"type":"list","body":{"include_finished":true}}"#), socketPath: harness.socketPath)
        #expect(String(decoding: noHello, as: UTF8.self).contains("the first request must be hello"))

        let oversized = withUnsafeBytes(of: UInt32(200 * 1024 * 1024).bigEndian) { Array($0) } + [UInt8](repeating: 0x41, count: 100)
        _ = try Self.exchange(oversized, socketPath: harness.socketPath)
        _ = try Self.exchange(Array(hello.prefix(7)), socketPath: harness.socketPath)

        // A client that vanishes in the middle of a submit leaves no job behind.
        let spec = Data(#"{"name":"x","account":"test","from":{"address":"a@example.org"},"subject":"s","text":"t","attachments":[],"headers":[]}"#.utf8).base64EncodedString()
        let begin = Self.frame(#"{"id":2,"type":"submit_begin","body":{"spec":"\#(spec)","idempotency_key":"vanish"}}"#)
        let chunk = Self.frame(#"{"id":3,"type":"submit_chunk","body":{"job_id":1,"recipients":[{"address":"a@example.com","variables":{}}]}}"#)
        let partial = try Self.exchange(hello + begin + chunk, socketPath: harness.socketPath)
        #expect(String(decoding: partial, as: UTF8.self).contains("submit_started"), "\(String(decoding: partial, as: UTF8.self))")

        try await Task.sleep(for: .milliseconds(300))
        let list = try await harness.mailctl(["list", "--all", "--json"])
        #expect(list.status == 0)
        #expect(list.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        #expect(harness.maild?.isRunning == true)
    }

    @Test func aThousandIdleConnectionsNeitherStopOtherClientsNorKeepTheirSlots() async throws {
        let harness = try await DaemonHarness(daemonSettings: "socket_mode = 0666\nmax_clients = 1100")
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        for _ in 0..<1000 {
            let descriptor = Self.connectRaw(harness.socketPath)
            #expect(descriptor >= 0)
            if descriptor >= 0 { idle.append(descriptor) }
        }
        // Every other client still gets served while the thousand sit there.
        let campaign = try harness.writeCampaign(count: 10)
        let submit = try await harness.mailctl(["submit", campaign, "--watch"])
        #expect(submit.status == 0, "\(submit.standardOutput)\(submit.standardError)")
        #expect(harness.maild?.isRunning == true)

        // Silent connections are closed after the hello timeout (10 s), freeing their slots:
        // reading returns end-of-file.
        let probe = try #require(idle.first)
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(probe, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        #expect(read(probe, &byte, 1) == 0)
    }

    @Test func clientsBeyondMaxClientsGetAClearRefusal() async throws {
        let harness = try await DaemonHarness(daemonSettings: "socket_mode = 0666\nmax_clients = 20")
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        for _ in 0..<20 { idle.append(Self.connectRaw(harness.socketPath)) }
        try await Task.sleep(for: .milliseconds(200))
        let refused = try await harness.mailctl(["list"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("max_clients"), "\(refused.standardError)")
        idle.forEach { close($0) }
        idle.removeAll()
        try await Task.sleep(for: .milliseconds(300))
        let served = try await harness.mailctl(["list"])
        #expect(served.status == 0, "\(served.standardError)")
    }

    /// `mailctl watch` on a job whose status does not change (paused, or scheduled for later),
    /// then Ctrl-C: nothing is ever written to that connection again, so only noticing the
    /// close frees its slot. With `max_clients = 1` the slot is the only one.
    @Test func aWatcherThatGoesAwayOnAJobThatNeverChangesFreesItsSlot() async throws {
        let harness = try await DaemonHarness(daemonSettings: "socket_mode = 0666\nmax_clients = 1")
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        let jobID = try await harness.submit(try harness.writeCampaign(count: 3, sendAt: "2099-01-01T00:00:00Z"))
        let pause = try await harness.mailctl(["pause", jobID])
        #expect(pause.status == 0, "\(pause.standardError)")

        let watcher = try RawIPCClient(socketPath: harness.socketPath)
        _ = try watcher.call(#"{"id":1,"type":"hello","body":{"protocol_version":1,"client":"watch"}}"#)
        let first = try watcher.call(#"{"id":2,"type":"watch","body":{"job_id":\#(jobID)}}"#)
        #expect(first["type"] as? String == "event", "\(first)")
        #expect((first["body"] as? [String: Any])?["state"] as? String == "paused", "\(first)")
        let refused = try await harness.mailctl(["list"])
        #expect(refused.status == 1, "the watcher holds the only slot")
        #expect(refused.standardError.contains("max_clients"), "\(refused.standardError)")

        watcher.close()
        try await waitUntil(.seconds(3), "the vanished watcher's slot to be free") {
            try await harness.mailctl(["list"]).status == 0
        }
        #expect(harness.maild?.isRunning == true)
    }
}
