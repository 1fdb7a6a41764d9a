import IPC
import NIOCore
import NIOEmbedded
import Testing

@Suite struct FrameDecoderTests {
    func frame(_ body: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(body.utf8.count))
        buffer.writeString(body)
        return buffer
    }

    @Test func decodesFramesSplitAcrossReadsByteByByte() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        var stream = frame("{\"a\":1}")
        stream.writeImmutableBuffer(frame("{\"b\":2}"))
        while let byte = stream.readSlice(length: 1) {
            try channel.writeInbound(byte)
        }
        let first = try #require(try channel.readInbound(as: ByteBuffer.self))
        let second = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(String(buffer: first) == "{\"a\":1}")
        #expect(String(buffer: second) == "{\"b\":2}")
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test func refusesAnOversizedLengthBeforeBufferingTheBody() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maximumFrameSize: 1024)))
        var header = ByteBuffer()
        header.writeInteger(UInt32(1025))
        #expect(throws: IPCError.frameTooLarge(declaredLength: 1025, limit: 1024)) {
            try channel.writeInbound(header)
        }
    }

    @Test func refusesAFourGigabyteAnnouncement() throws {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32.max)
        #expect(throws: IPCError.frameTooLarge(declaredLength: Int(UInt32.max), limit: IPCLimits.defaultMaximumFrameSize)) {
            _ = try FrameDecoder().nextFrame(from: &buffer)
        }
    }

    @Test func refusesAnEmptyFrame() throws {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(0))
        #expect(throws: IPCError.emptyFrame) { _ = try FrameDecoder().nextFrame(from: &buffer) }
    }

    @Test func reportsAFrameTruncatedByTheEndOfTheStream() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        var partial = frame("{\"long\":\"body\"}")
        partial.moveWriterIndex(to: partial.writerIndex - 5)
        try channel.writeInbound(partial)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(throws: IPCError.truncatedFrame(declaredLength: 15, receivedBytes: 14)) {
            try channel.finish()
        }
    }

    @Test func encoderPrefixesTheLength() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(FrameEncoder()))
        try channel.writeOutbound(ByteBuffer(string: "hello"))
        var written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(written.readInteger(as: UInt32.self) == 5)
        #expect(String(buffer: written) == "hello")
    }
}
