/// Everything a server saw, as one snapshot: tests read it after the fact or wait for a
/// condition on it with ``SMTPTestServer/waitUntil(_:timeout:condition:)``.
public struct ServerRecord: Hashable, Sendable, CustomStringConvertible {
    /// The accepted messages, oldest first (only the newest when a record limit is set).
    public var messages: [ReceivedMessage] = []
    /// Every command received, oldest first (only the newest when a record limit is set).
    public var commands: [CommandLogEntry] = []
    /// All messages ever accepted, including any the record limit dropped.
    public var messagesAccepted = 0
    public var connectionsAccepted = 0
    public var connectionsClosed = 0
    public var tlsHandshakes = 0

    public init() {}

    public var connectionsOpen: Int { connectionsAccepted - connectionsClosed }

    public func commands(onConnection id: Int) -> [CommandLogEntry] {
        commands.filter { $0.connectionID == id }
    }

    /// A summary for timeout errors and test failure output.
    public var description: String {
        var lines = ["\(connectionsAccepted) connection(s), \(connectionsOpen) open, \(messagesAccepted) message(s) accepted"]
        lines += commands.suffix(40).map { "  \($0)" }
        return lines.joined(separator: "\n")
    }
}
