import NIOCore

/// The pipeline both ends use: frames in, frames out, JSON left to the async code so that a
/// malformed body can be answered instead of killing the connection.
public enum FramedChannel {
    public typealias AsyncChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    public static func configure(_ channel: Channel, maximumFrameSize: Int = IPCLimits.defaultMaximumFrameSize) -> EventLoopFuture<AsyncChannel> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maximumFrameSize: maximumFrameSize)))
            try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
            return try AsyncChannel(wrappingChannelSynchronously: channel)
        }
    }
}
