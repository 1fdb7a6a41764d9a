/// Cuts the bytes a client sends into what the session reads next: command lines, the DATA
/// section, a BDAT chunk. The mode changes as the session moves, and bytes already received
/// stay for the next mode, which is what makes pipelined commands in one read work.
///
/// Nothing here grows without bound: an over-long line is dropped as it arrives and reported
/// once its end comes, and message bodies are capped by ``DataUnstuffer`` and the chunk limit.
struct InputFramer {
    enum Mode: Equatable {
        case commands
        /// A line answering a 334 challenge: only the AUTH line limit applies.
        case saslResponse
        case data(limit: Int)
        /// A BDAT chunk of `size` octets, of which at most `limit` are kept.
        case chunk(size: Int, limit: Int)
        /// After STARTTLS was accepted and until TLS is in place, and after the session ended:
        /// bytes are thrown away (RFC 3207 section 4.2 and CVE-2011-0411: plaintext pipelined
        /// behind STARTTLS must never be read as if it came through TLS).
        case discarding
    }

    enum Input: Equatable {
        /// Without its CRLF (or bare LF).
        case line([UInt8])
        case lineTooLong
        case data(DataOutcome)
        case chunk(bytes: [UInt8], octets: Int)
    }

    struct DataOutcome: Equatable {
        var bytes: [UInt8]
        var octets: Int
    }

    let commandLimit: Int
    let authLimit: Int
    private(set) var mode = Mode.commands
    private var buffer: [UInt8] = []
    private var start = 0
    private var skippingLongLine = false
    private var unstuffer: DataUnstuffer?
    private var chunkBytes: [UInt8] = []
    private var chunkReceived = 0

    /// Limits count the whole line, CRLF included, as RFC 5321 section 4.5.3.1 does.
    init(commandLimit: Int, authLimit: Int) {
        self.commandLimit = commandLimit
        self.authLimit = authLimit
    }

    var bufferedCount: Int { buffer.count - start }

    mutating func setMode(_ newMode: Mode) {
        guard newMode != mode else { return }
        mode = newMode
        skippingLongLine = false
        unstuffer = nil
        chunkBytes = []
        chunkReceived = 0
        switch newMode {
        case .data(let limit): unstuffer = DataUnstuffer(limit: limit)
        case .discarding: discardBuffered()
        case .commands, .saslResponse, .chunk: break
        }
    }

    mutating func append<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard mode != .discarding else { return }
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    mutating func discardBuffered() {
        buffer.removeAll(keepingCapacity: true)
        start = 0
    }

    /// The next complete input, or nil when more bytes are needed.
    mutating func next() -> Input? {
        defer { compact() }
        switch mode {
        case .commands, .saslResponse:
            return nextLine()
        case .data:
            return nextData()
        case .chunk(let size, let limit):
            return nextChunk(size: size, limit: limit)
        case .discarding:
            discardBuffered()
            return nil
        }
    }

    private mutating func nextLine() -> Input? {
        let newline = buffer[start...].firstIndex(of: 0x0A)
        if skippingLongLine {
            guard let newline else {
                discardBuffered()
                return nil
            }
            start = newline + 1
            skippingLongLine = false
            return .lineTooLong
        }
        let limit = lineLimit()
        guard let newline else {
            // Even the shortest ending (LF) would make this line too long: stop keeping it.
            if bufferedCount + 1 > limit {
                discardBuffered()
                skippingLongLine = true
            }
            return nil
        }
        let length = newline + 1 - start
        var line = Array(buffer[start..<newline])
        start = newline + 1
        if length > limit { return .lineTooLong }
        if line.last == 0x0D { line.removeLast() }
        return .line(line)
    }

    private func lineLimit() -> Int {
        if mode == .saslResponse { return authLimit }
        let prefix = buffer[start...].prefix(5).map { $0 | 0x20 }
        // "auth " lower-cased; the space becomes 0x20 either way.
        return prefix == Array("auth ".utf8) ? authLimit : commandLimit
    }

    private mutating func nextData() -> Input? {
        guard var unstuffer else { return nil }
        let (consumed, finished) = unstuffer.consume(buffer[start...])
        start += consumed
        self.unstuffer = unstuffer
        guard finished else { return nil }
        let outcome = DataOutcome(bytes: unstuffer.message, octets: unstuffer.octets)
        setMode(.commands)
        return .data(outcome)
    }

    private mutating func nextChunk(size: Int, limit: Int) -> Input? {
        let wanted = size - chunkReceived
        let available = min(wanted, bufferedCount)
        if available > 0 {
            let room = max(0, limit - chunkBytes.count)
            chunkBytes.append(contentsOf: buffer[start..<(start + min(available, room))])
            chunkReceived += available
            start += available
        }
        guard chunkReceived == size else { return nil }
        let input = Input.chunk(bytes: chunkBytes, octets: size)
        setMode(.commands)
        return input
    }

    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 64 * 1024 {
            buffer.removeFirst(start)
            start = 0
        }
    }
}
