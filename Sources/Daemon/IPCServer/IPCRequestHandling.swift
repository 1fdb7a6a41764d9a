import IPC

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
    /// Streams a job's status through `emit` until it finishes; returns the final answer.
    func watch(jobID: Int64, from client: ClientContext, emit: @Sendable (JobStatus) async throws -> Void) async -> IPCResponse
    /// The connection ended: anything it left half done (an open submission) is undone.
    func connectionClosed(_ client: ClientContext) async
}
