import IPC
import Queue

/// Who sent a request: the kernel's word on the peer and the role it was granted.
public struct ClientContext: Sendable, Hashable {
    public var connectionID: UInt64
    public var peer: PeerCredentials
    public var role: Authorization.Role
}

/// What the IPC server hands requests to. Kept as a protocol so the server (framing,
/// authentication, abuse handling) is tested apart from the job logic.
public protocol IPCRequestHandling: Sendable {
    func handle(_ request: IPCRequest, from client: ClientContext) async -> IPCResponse
    /// The first half of a `submit_chunk`, without storage: the server runs it for the next
    /// chunk while the previous one is being stored (`handle` does both halves at once).
    func prepareChunk(_ chunk: SubmitChunk, from client: ClientContext) -> PreparedChunk
    /// The second half, called in the order the chunks arrived.
    func storeChunk(_ prepared: PreparedChunk, from client: ClientContext) async -> IPCResponse
    /// A `submit_chunk` whose body could not be read (so not even its job is known) arrived
    /// in its turn: the connection's open uploads can no longer be committed whole.
    func chunkUnreadable(_ problem: String, from client: ClientContext)
    /// Streams a job's status through `emit` until it finishes; returns the final answer.
    func watch(jobID: Int64, from client: ClientContext, emit: @Sendable (JobStatus) async throws -> Void) async -> IPCResponse
    /// The `[limits]` in force, told to every client at hello.
    func limits() -> WireLimits
    /// The connection ended: anything it left half done (an open submission) is undone.
    func connectionClosed(_ client: ClientContext) async
}

/// A checked chunk ready to store, or the refusal to answer in its turn.
public struct PreparedChunk: Sendable {
    public var jobID: Int64
    public var recipients: [NewRecipient]
    public var failure: IPCFailure?
    /// The refusal drops the whole upload (over `max_recipients`).
    public var discardsUpload: Bool
    /// The chunk's place in its upload (1 for the first), nil when it names no upload open
    /// on the connection.
    public var number: Int?
}
