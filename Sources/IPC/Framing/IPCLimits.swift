/// Limits on what an IPC peer may send, in one place so docs/protocol.md can quote them.
public enum IPCLimits {
    /// 16 MiB: a submit chunk of 5,000 recipients with variables is well under 2 MiB, and a
    /// campaign spec with its attachments must fit in one frame.
    public static let defaultMaximumFrameSize = 16 * 1024 * 1024
    /// Recipients per submit chunk that mailctl sends; the daemon accepts up to ten times this.
    public static let recipientsPerChunk = 5_000
    public static let maximumRecipientsPerChunk = 50_000
}
