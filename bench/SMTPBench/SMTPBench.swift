import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import SMTP

/// Sends a fixed number of ~2 KB messages through N persistent connections and prints the
/// rate: the SMTP client's throughput, measured against the same sink as the baselines in
/// bench/smtp-throughput.sh.
@main
struct SMTPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "smtp-bench")

    @Option var host = "127.0.0.1"
    @Option var port: Int
    @Option var connections = 1
    @Option var messages = 20_000
    @Option(help: "Approximate message size in bytes.") var size = 2048
    @Flag(name: .customLong("no-pipelining")) var noPipelining = false
    @Option(help: "Tasks sending through each connection: 1 waits for each message before the next (two round trips per message); 2 or more keep the next one queued behind the current one's data (one round trip).")
    var senders = 4
    @Flag(name: .customLong("cooperative-pool"), help: "Send from the cooperative pool instead of the connection's event loop.")
    var cooperativePool = false

    mutating func run() async throws {
        let body = Self.message(size: size)
        let configuration = SessionStateMachine.Configuration(
            clientName: "bench.localhost", host: host, port: port, tlsMode: .none, usesPipelining: !noPipelining)
        let total = messages
        let connectionCount = connections
        let cooperativePool = self.cooperativePool
        let sendersPerConnection = max(1, senders)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: min(connectionCount, System.coreCount))
        let start = ContinuousClock.now
        let delivered = try await withThrowingTaskGroup(of: Int.self) { tasks in
            for index in 0..<connectionCount {
                let share = total / connectionCount + (index < total % connectionCount ? 1 : 0)
                tasks.addTask {
                    let connection = try await SMTPConnection.connect(configuration: configuration, tlsContext: nil, eventLoopGroup: group)
                    // Several senders per connection keep a message queued, so its commands can
                    // follow the current message's data (RFC 2920 section 3.1).
                    let accepted = try await withThrowingTaskGroup(of: Int.self) { senders in
                        for lane in 0..<sendersPerConnection {
                            // On the connection's own loop, unless --cooperative-pool.
                            let executor: (any TaskExecutor)? = cooperativePool ? nil : connection.taskExecutor
                            senders.addTask(executorPreference: executor) {
                                var accepted = 0
                                for number in stride(from: lane, to: share, by: sendersPerConnection) {
                                    let message = OutgoingMessage(sender: "bench@example.com", recipients: ["rcpt\(number % 100)@example.net"], data: body)
                                    accepted += try await connection.send(message).acceptedCount
                                }
                                return accepted
                            }
                        }
                        return try await senders.reduce(0, +)
                    }
                    await connection.quit()
                    return accepted
                }
            }
            return try await tasks.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "maild-smtp connections=%d messages=%d accepted=%d seconds=%.3f rate=%.0f msg/s",
                     connectionCount, total, delivered, seconds, Double(total) / seconds))
        try await group.shutdownGracefully()
    }

    static func message(size: Int) -> [UInt8] {
        var text = "From: bench@example.com\r\nTo: rcpt@example.net\r\nSubject: throughput test\r\nMessage-ID: <bench@example.com>\r\n\r\n"
        let line = "The quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJ.\r\n"
        while text.utf8.count + line.utf8.count <= size { text += line }
        return Array(text.utf8)
    }
}
