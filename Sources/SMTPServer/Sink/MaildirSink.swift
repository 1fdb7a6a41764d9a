import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes each accepted message into a directory as `<timestamp>-<counter>.eml`, e.g.
/// `20250301T101502.123Z-000001.eml`, so a listing sorts in arrival order.
///
/// The `.eml` holds the message byte for byte as received (after dot-unstuffing): no
/// Received or X-Envelope header is added, because tests and operators compare it with what
/// was sent, and DKIM signatures must still verify. The envelope goes into a sidecar,
/// `<name>.envelope.json` (MAIL FROM, recipients, TLS, authenticated user), written before
/// the `.eml` appears so a reader that sees the message can always find its envelope.
///
/// Both files are written under a hidden temporary name and hard-linked into place
/// (`link(2)` then `unlink(2)`): the name appears atomically, as with `rename(2)`, but an
/// existing file is never overwritten when two servers share a directory.
public struct MaildirSink: Sendable, Hashable {
    public var directory: URL
    public var writesEnvelope: Bool

    public init(directory: URL, writesEnvelope: Bool = true) {
        self.directory = directory
        self.writesEnvelope = writesEnvelope
    }

    /// Writes one message; `counter` is the sink's running number. Returns the `.eml` path.
    func write(_ message: ReceivedMessage, counter: Int) throws(SMTPServerError) -> URL {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .maildirWriteFailed(path: directory.path, detail: "\(error)")
        }
        let stamp = Self.timestamp(message.receivedAt)
        let number = String(counter).leftPadded(to: 6)
        let unique = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let temporaryMessage = directory.appendingPathComponent(".\(stamp)-\(number).\(unique).eml.tmp").path
        let temporaryEnvelope = directory.appendingPathComponent(".\(stamp)-\(number).\(unique).envelope.json.tmp").path
        defer {
            unlink(temporaryMessage)
            unlink(temporaryEnvelope)
        }
        try Self.writeFile(temporaryMessage, bytes: message.data)
        if writesEnvelope {
            try Self.writeFile(temporaryEnvelope, bytes: try EnvelopeFile(message).encoded())
        }
        // Another writer may hold the name: take the next free suffix rather than overwrite.
        for attempt in 0..<1000 {
            let base = "\(stamp)-\(number)" + (attempt == 0 ? "" : "-\(attempt)")
            let messagePath = directory.appendingPathComponent("\(base).eml").path
            let envelopePath = directory.appendingPathComponent("\(base).envelope.json").path
            if writesEnvelope {
                guard try Self.link(temporaryEnvelope, to: envelopePath) else { continue }
            }
            guard try Self.link(temporaryMessage, to: messagePath) else {
                if writesEnvelope { unlink(envelopePath) }
                continue
            }
            return URL(fileURLWithPath: messagePath)
        }
        throw .maildirWriteFailed(path: directory.path, detail: "no free file name for \(stamp)-\(number)")
    }

    /// False when `path` already exists.
    private static func link(_ source: String, to path: String) throws(SMTPServerError) -> Bool {
        if Glibc.link(source, path) == 0 { return true }
        let code = errno
        if code == EEXIST { return false }
        throw .maildirWriteFailed(path: path, detail: String(cString: strerror(code)))
    }

    private static func writeFile(_ path: String, bytes: [UInt8]) throws(SMTPServerError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .maildirWriteFailed(path: path, detail: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .maildirWriteFailed(path: path, detail: String(cString: strerror(errno)))
            }
            offset += written
        }
        // The name must not appear before the content is durable.
        guard fsync(descriptor) == 0 else {
            throw .maildirWriteFailed(path: path, detail: "fsync: \(String(cString: strerror(errno)))")
        }
    }

    /// `20250301T101502.123Z`: UTC, sortable, no colons (they trouble some file tools).
    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        let milliseconds = Int((date.timeIntervalSince1970 - Double(seconds)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { String(value).leftPadded(to: 2) }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec)).\(String(min(milliseconds, 999)).leftPadded(to: 3))Z"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
