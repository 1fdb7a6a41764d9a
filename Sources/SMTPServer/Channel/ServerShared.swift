import NIOCore
import SMTP
import Synchronization

/// What every connection of one server shares: configuration, record and script, the
/// maildir counter, and the open channels that `stop()` must close.
final class ServerShared: Sendable {
    let configuration: SMTPServerConfiguration
    let store: RecordStore
    private let sinkCounter = Mutex(0)
    private let connections = Mutex<[Int: any Channel]>([:])

    init(configuration: SMTPServerConfiguration) {
        self.configuration = configuration
        self.store = RecordStore(script: configuration.script)
    }

    func connectionOpened(_ channel: any Channel) -> Int {
        let id = store.update { record in
            record.connectionsAccepted += 1
            return record.connectionsAccepted
        }
        connections.withLock { $0[id] = channel }
        return id
    }

    func connectionClosed(id: Int) {
        connections.withLock { $0[id] = nil }
        store.update { $0.connectionsClosed += 1 }
    }

    var openChannels: [any Channel] {
        connections.withLock { Array($0.values) }
    }

    func tlsHandshakeCompleted() {
        store.update { $0.tlsHandshakes += 1 }
    }

    func log(_ entry: CommandLogEntry) {
        store.update { record in
            record.commands.append(entry)
            if let limit = configuration.recordLimit, record.commands.count > limit {
                record.commands.removeFirst(record.commands.count - limit)
            }
        }
    }

    func accept(_ message: ReceivedMessage) throws {
        if let sink = configuration.maildir {
            let counter = sinkCounter.withLock { counter in
                counter += 1
                return counter
            }
            _ = try sink.write(message, counter: counter)
        }
        store.update { record in
            record.messagesAccepted += 1
            var numbered = message
            numbered.ordinal = record.messagesAccepted
            record.messages.append(numbered)
            if let limit = configuration.recordLimit, record.messages.count > limit {
                record.messages.removeFirst(record.messages.count - limit)
            }
        }
    }
}

/// One connection's view of the shared state, handed to its session.
struct ConnectionEnvironment: SessionEnvironment {
    let shared: ServerShared

    func decide(_ event: ScriptEvent) -> ServerAction? { shared.store.decide(event) }
    func nextTransactionOrdinal() -> Int { shared.store.nextTransactionOrdinal() }
    func log(_ entry: CommandLogEntry) { shared.log(entry) }
    func accept(_ message: ReceivedMessage) throws { try shared.accept(message) }
}
