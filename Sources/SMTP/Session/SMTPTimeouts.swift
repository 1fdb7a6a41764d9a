/// How long the client waits for each reply before it gives up on the connection.
///
/// Defaults are RFC 5321 section 4.5.3.2's minimums: a bulk sender that times out faster than
/// a slow but healthy relay turns delivered mail into duplicates. Tools that want a quick answer
/// (`mailctl verify`) shorten them explicitly.
public struct SMTPTimeouts: Hashable, Sendable {
    public var connect: Duration
    public var greeting: Duration
    public var command: Duration
    public var mail: Duration
    public var rcpt: Duration
    public var dataInitiation: Duration
    public var dataTermination: Duration
    public var tlsHandshake: Duration

    public init(connect: Duration = .seconds(30), greeting: Duration = .seconds(300), command: Duration = .seconds(300),
                mail: Duration = .seconds(300), rcpt: Duration = .seconds(300), dataInitiation: Duration = .seconds(120),
                dataTermination: Duration = .seconds(600), tlsHandshake: Duration = .seconds(60)) {
        self.connect = connect
        self.greeting = greeting
        self.command = command
        self.mail = mail
        self.rcpt = rcpt
        self.dataInitiation = dataInitiation
        self.dataTermination = dataTermination
        self.tlsHandshake = tlsHandshake
    }

    /// Every timeout capped at `limit`, for interactive checks.
    public func capped(at limit: Duration) -> SMTPTimeouts {
        SMTPTimeouts(connect: min(connect, limit), greeting: min(greeting, limit), command: min(command, limit),
                     mail: min(mail, limit), rcpt: min(rcpt, limit), dataInitiation: min(dataInitiation, limit),
                     dataTermination: min(dataTermination, limit), tlsHandshake: min(tlsHandshake, limit))
    }

    /// The shortest wait for any reply: how often the client's single timer task wakes to look
    /// at the current deadline.
    public var shortestReplyTimeout: Duration {
        [greeting, command, mail, rcpt, dataInitiation, dataTermination, tlsHandshake, replyTimeout(for: .quit)].min() ?? command
    }

    /// The time allowed for the reply that closes `stage`.
    public func replyTimeout(for stage: SMTPStage) -> Duration {
        switch stage {
        case .connect: return connect
        case .greeting: return greeting
        case .mail: return mail
        case .rcpt: return rcpt
        case .data: return dataInitiation
        case .dot: return dataTermination
        case .tlsHandshake: return tlsHandshake
        case .ehlo, .startTLS, .auth, .rset, .noop: return command
        // Every outcome is known by then: a server that never answers QUIT holds nothing but
        // the connection, which is closed after a short wait.
        case .quit: return min(command, .seconds(10))
        }
    }
}
