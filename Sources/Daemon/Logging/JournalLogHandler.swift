import CSystemd
import Foundation
import Logging

/// Writes structured entries to journald: MESSAGE, PRIORITY, and each metadata key as an
/// upper-case field (`job_id` -> `JOB_ID`), so `journalctl -u maild JOB_ID=42` finds a job's
/// whole story.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let identifier: String

    public init(label: String, identifier: String = "maild") {
        self.label = label
        self.identifier = identifier
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String] = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "LOGGER=\(label)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
        ]
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            var name = Self.fieldName(key)
            // Metadata must not overwrite the entry's own fields (a "message" key would
            // otherwise give the entry two MESSAGE= values).
            if Self.ownFields.contains(name) { name = "META_" + name }
            fields.append("\(name)=\(value)")
        }
        if Self.send(fields) < 0 {
            // The journal socket is gone (journald restarting): the line still goes somewhere.
            let line = "\(event.level) \(label): \(event.message)" + merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined() + "\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    static let ownFields: Set<String> = ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "LOGGER", "CODE_FILE", "CODE_LINE", "CODE_FUNC"]

    /// journald field names: ASCII upper-case letters, digits and underscores, at most 64
    /// bytes, not starting with an underscore or digit (those are reserved or invalid; journald
    /// drops fields that break the rules).
    static func fieldName(_ key: String) -> String {
        var name = String(key.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        while name.first == "_" || name.first?.isNumber == true { name.removeFirst() }
        return name.isEmpty ? "FIELD" : String(name.prefix(64))
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// sd_journal_send is C-variadic and cannot be called from Swift; sendv takes iovecs, all
    /// pointing into one buffer.
    /// Returns sd_journal_sendv's result: 0, or a negative errno.
    @discardableResult
    static func send(_ fields: [String]) -> Int32 {
        var storage: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = storage.count
            storage.append(contentsOf: field.utf8)
            ranges.append(start..<storage.count)
        }
        return storage.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return -EINVAL }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { pointer in
                sd_journal_sendv(pointer.baseAddress, Int32(pointer.count))
            }
        }
    }

    /// systemd's documented test: stderr is connected to the journal when its device and
    /// inode equal JOURNAL_STREAM's.
    public static func stderrIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
