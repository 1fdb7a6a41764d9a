import Foundation
import Logging
import NIOCore
import Synchronization

/// Says why mailctl cannot connect when maild runs out of file descriptors. NIO's accept
/// back-off (which pauses accepting for a moment and tries again) keeps the listener alive
/// but stays silent; this handler sits in front of it and logs the cause, at most once every
/// ten seconds, with what to do about it.
final class AcceptFailureLogger: ChannelInboundHandler, Sendable {
    typealias InboundIn = Channel

    private let logger: Logger
    private let lastReport = Mutex<NIODeadline?>(nil)
    static let interval = TimeAmount.seconds(10)

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let ioError = error as? IOError, ioError.errnoCode == EMFILE || ioError.errnoCode == ENFILE, shouldReport() {
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            let scope = ioError.errnoCode == EMFILE ? "maild's limit of \(limit.rlim_cur) open files" : "the system's open-file table"
            logger.error("cannot accept control connections: \(scope) is exhausted; retrying. Raise LimitNOFILE= in maild.service or lower max_clients and account concurrency",
                         metadata: ["errno": "\(ioError.errnoCode)"])
        }
        context.fireErrorCaught(error)
    }

    private func shouldReport() -> Bool {
        lastReport.withLock { last in
            let now = NIODeadline.now()
            if let last, now - last < Self.interval { return false }
            last = now
            return true
        }
    }
}
