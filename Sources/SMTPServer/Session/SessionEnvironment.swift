import SMTP

/// What a session asks of the running server: script decisions, numbering, the record, and
/// storage. A protocol so the session can be driven in unit tests without a socket.
protocol SessionEnvironment {
    func decide(_ event: ScriptEvent) -> ServerAction?
    func nextTransactionOrdinal() -> Int
    func log(_ entry: CommandLogEntry)
    /// Records an accepted message (and writes it to the maildir, if one is configured);
    /// throws when it could not be stored, so the client gets a 451 instead of a 250.
    func accept(_ message: ReceivedMessage) throws
}

/// What the session wants done after one input: send the action's response (never
/// `.standard` here, the session fills in its own reply) and then maybe start TLS.
struct SessionOutput {
    var action: ServerAction
    /// Insert TLS once the response is on the wire (the reply was STARTTLS's 220).
    var startsTLS = false

    static let nothing = SessionOutput(action: ServerAction(response: .nothing))
}
