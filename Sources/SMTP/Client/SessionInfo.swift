/// What a connected, ready session knows about its server: for `mailctl verify`, logs and
/// the decision whether a message can go over this connection.
public struct SessionInfo: Hashable, Sendable {
    public var server: String
    public var greeting: SMTPReply?
    public var extensions: ServerExtensions
    /// Nil when the connection is not encrypted.
    public var tls: TLSSessionInfo?
    public var authenticatedWith: AuthMechanism?
}
