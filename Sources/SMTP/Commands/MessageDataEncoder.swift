#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Puts a message on the wire for DATA: line endings normalised to CRLF, lines that start with
/// a dot doubled (RFC 5321 section 4.5.2), and the terminating `CRLF . CRLF`.
///
/// Bare CR and bare LF are both turned into CRLF: RFC 5321 section 2.3.8 forbids them on the
/// wire and receivers treat them inconsistently (the SMTP smuggling class of bugs).
public enum MessageDataEncoder {
    /// What DATA sends for one message, and the size RFC 1870 announces for it.
    public struct Transfer: Sendable, Equatable {
        /// The transparent form: CRLF line endings, dot-stuffed, terminator included.
        public var bytes: [UInt8]
        /// The length of ``normalizeLineEndings(_:)``'s result (CRLF counted, dot-stuffing and
        /// terminator not): the SIZE parameter.
        public var normalizedLength: Int
    }

    /// Encodes `message` for DATA and measures its SIZE in the same pass: the session does this
    /// once per message of a campaign, so one scan replaces two.
    public static func transfer(_ message: [UInt8]) -> Transfer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(message.count + message.count / 32 + 5)
        let addedDots = message.withUnsafeBufferPointer { encodeContiguous($0, into: &bytes) }
        return Transfer(bytes: bytes, normalizedLength: bytes.count - 3 - addedDots)
    }

    /// Appends the transparent form of `message` to `output`, terminator included.
    public static func encode<Message: Collection>(_ message: Message, into output: inout [UInt8]) where Message.Element == UInt8 {
        output.reserveCapacity(output.count + message.count + message.count / 64 + 5)
        let handled: Int? = message.withContiguousStorageIfAvailable { bytes in
            encodeContiguous(bytes, into: &output)
        }
        if handled != nil { return }
        encodeByteByByte(message, into: &output)
    }

    /// Copies each line in one piece, found with memchr: the per-message cost of a bulk send.
    /// Returns the number of dots added by dot-stuffing.
    private static func encodeContiguous(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) -> Int {
        let count = bytes.count
        var addedDots = 0
        guard let base = bytes.baseAddress, count > 0 else {
            output.append(contentsOf: [UInt8(ascii: "."), 0x0D, 0x0A])
            return 0
        }
        var index = 0
        var atLineStart = true
        // The next LF at or after `index`, kept between lines: searched again only once passed,
        // so a message whose lines end in bare CRs is not scanned to its end once per line.
        var lineFeed = -1
        while index < count {
            if base[index] == UInt8(ascii: ".") {
                output.append(UInt8(ascii: "."))
                addedDots += 1
            }
            // The line ends at the first CR or LF: the next LF, or a CR before it.
            if lineFeed < index { lineFeed = offset(of: 0x0A, in: base, from: index, to: count) }
            let end = offset(of: 0x0D, in: base, from: index, to: lineFeed)
            output.append(contentsOf: UnsafeBufferPointer(start: base + index, count: end - index))
            guard end < count else {
                atLineStart = false
                break
            }
            // CRLF, bare CR or bare LF: each is one line ending, written as CRLF.
            index = base[end] == 0x0D && end + 1 < count && base[end + 1] == 0x0A ? end + 2 : end + 1
            output.append(0x0D)
            output.append(0x0A)
            atLineStart = true
        }
        if !atLineStart { output.append(contentsOf: [0x0D, 0x0A]) }
        output.append(contentsOf: [UInt8(ascii: "."), 0x0D, 0x0A])
        return addedDots
    }

    /// The index of the first `byte` in `base[from..<to]`, or `to`.
    private static func offset(of byte: UInt8, in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        guard start < end, let found = memchr(base + start, Int32(byte), end - start) else { return end }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    private static func encodeByteByByte<Message: Collection>(_ message: Message, into output: inout [UInt8]) where Message.Element == UInt8 {
        var atLineStart = true
        var previousWasCR = false
        for byte in message {
            switch byte {
            case 0x0D:
                if previousWasCR { output.append(0x0A); atLineStart = true }
                output.append(0x0D)
                previousWasCR = true
                continue
            case 0x0A:
                if !previousWasCR { output.append(0x0D) }
                output.append(0x0A)
                atLineStart = true
            default:
                if previousWasCR {
                    output.append(0x0A)
                    atLineStart = true
                }
                if atLineStart, byte == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
                output.append(byte)
                atLineStart = false
            }
            previousWasCR = false
        }
        if previousWasCR {
            output.append(0x0A)
        } else if !atLineStart {
            output.append(contentsOf: [0x0D, 0x0A])
        }
        output.append(contentsOf: [UInt8(ascii: "."), 0x0D, 0x0A])
    }

    public static func encode<Message: Collection>(_ message: Message) -> [UInt8] where Message.Element == UInt8 {
        var output: [UInt8] = []
        encode(message, into: &output)
        return output
    }

    /// The length of ``normalizeLineEndings(_:)``'s result, without building it: the size
    /// announced with RFC 1870 SIZE.
    public static func normalizedLength<Message: Collection>(of message: Message) -> Int where Message.Element == UInt8 {
        var length = 0
        var previous: UInt8 = 0x0A
        for byte in message {
            if byte == 0x0A {
                length += previous == 0x0D ? 1 : 2
            } else {
                if previous == 0x0D { length += 1 }  // the LF added after a bare CR
                length += 1
            }
            previous = byte
        }
        if previous == 0x0D { length += 1 } else if previous != 0x0A { length += 2 }
        return length
    }

    /// The message with line endings normalised to CRLF and a final CRLF, without dot-stuffing:
    /// what the receiver stores, and what BDAT sends as is.
    public static func normalizeLineEndings<Message: Collection>(_ message: Message) -> [UInt8] where Message.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(message.count + message.count / 64 + 2)
        var previousWasCR = false
        for byte in message {
            if byte == 0x0A {
                if !previousWasCR { output.append(0x0D) }
                output.append(0x0A)
                previousWasCR = false
                continue
            }
            if previousWasCR { output.append(0x0A) }
            output.append(byte)
            previousWasCR = byte == 0x0D
        }
        if previousWasCR {
            output.append(0x0A)
        } else if let last = output.last, last != 0x0A {
            output.append(contentsOf: [0x0D, 0x0A])
        }
        return output
    }
}
