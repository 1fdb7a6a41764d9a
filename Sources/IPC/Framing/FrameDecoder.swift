import NIOCore

/// Splits the IPC byte stream into frames: a 4-byte big-endian length, then that many bytes of
/// JSON.
///
/// The length comes from a peer we do not trust, so it is checked against ``maximumFrameSize``
/// before a single byte of the body is buffered: a client cannot make the daemon allocate
/// gigabytes by announcing them.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// The largest body accepted; bigger frames close the connection with an error.
    public let maximumFrameSize: Int

    public init(maximumFrameSize: Int = IPCLimits.defaultMaximumFrameSize) {
        self.maximumFrameSize = maximumFrameSize
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        if let frame = try nextFrame(from: &buffer) {
            context.fireChannelRead(wrapInboundOut(frame))
            return .continue
        }
        if buffer.readableBytes > 0 {
            let declared = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self).map(Int.init)
            let received = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: received)
            throw IPCError.truncatedFrame(declaredLength: declared, receivedBytes: received)
        }
        return .needMoreData
    }

    /// The sans-I/O core: takes one complete frame off the front of `buffer`, or nil when more
    /// bytes are needed. Shared by the NIO handler, the fuzzer and the tests.
    public func nextFrame(from buffer: inout ByteBuffer) throws(IPCError) -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length > 0 else {
            throw IPCError.emptyFrame
        }
        guard Int(length) <= maximumFrameSize else {
            throw IPCError.frameTooLarge(declaredLength: Int(length), limit: maximumFrameSize)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length))
    }
}

/// Prefixes each outgoing body with its length.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = ByteBuffer

    public init() {}

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        out.writeInteger(UInt32(data.readableBytes))
        out.writeImmutableBuffer(data)
    }
}
