/// Reads the DATA section of a transaction (RFC 5321 section 4.5.2): removes the dot that
/// transparency added to lines starting with one, and finds the end, `CRLF . CRLF`.
///
/// Only CRLF counts as a line end here. A bare LF followed by `.` and LF does not end the
/// data: treating it as the end is how SMTP smuggling (CVE-2023-51764 and relatives) slips a
/// second message past a filter that does not. Bare LF and CR stay in the message unchanged.
///
/// The message is kept up to `limit` octets; beyond that the bytes are counted and dropped
/// while the end is still looked for, so an oversized message costs no memory and still gets
/// its 552 at the end.
struct DataUnstuffer {
    private enum State {
        /// After CRLF (the CRLF of the DATA command line counts, so an empty message is `.CRLF`).
        case lineStart
        case midLine
        case afterCR
        /// A dot at the start of a line, not yet known to be stuffing or the terminator.
        case dotAtLineStart
        case dotThenCR
    }

    let limit: Int
    private var state = State.lineStart
    private(set) var message: [UInt8] = []
    /// Octets of the unstuffed message, including any beyond `limit`.
    private(set) var octets = 0

    init(limit: Int) {
        self.limit = limit
    }

    var exceededLimit: Bool { octets > limit }

    /// Reads from `bytes` until the terminator. Returns how many bytes belonged to the data
    /// (terminator included) and whether the terminator was found; bytes after it are the
    /// next pipelined command.
    mutating func consume(_ bytes: ArraySlice<UInt8>) -> (consumed: Int, finished: Bool) {
        var count = 0
        for byte in bytes {
            count += 1
            switch state {
            case .lineStart:
                if byte == UInt8(ascii: ".") {
                    state = .dotAtLineStart
                } else {
                    emit(byte)
                    state = byte == 0x0D ? .afterCR : .midLine
                }
            case .midLine:
                emit(byte)
                if byte == 0x0D { state = .afterCR }
            case .afterCR:
                emit(byte)
                state = byte == 0x0A ? .lineStart : (byte == 0x0D ? .afterCR : .midLine)
            case .dotAtLineStart:
                // The leading dot was stuffing (or a dot alone before bare LF): drop it.
                if byte == 0x0D {
                    state = .dotThenCR
                } else {
                    emit(byte)
                    state = .midLine
                }
            case .dotThenCR:
                if byte == 0x0A {
                    return (count, true)
                }
                // `.CR` then something else: the dot was stuffing before a bare CR.
                emit(0x0D)
                emit(byte)
                state = byte == 0x0D ? .afterCR : .midLine
            }
        }
        return (count, false)
    }

    private mutating func emit(_ byte: UInt8) {
        octets += 1
        if octets <= limit { message.append(byte) }
    }
}
