/// What maild knows of one upload in progress: the recipients received (for `max_recipients`)
/// and whether every chunk that arrived was stored.
///
/// A client that ignores a chunk's error and commits anyway would otherwise get a job that
/// silently lacks that chunk's recipients; the commit checks this record first and refuses.
/// Chunks carry no number on the wire, so they are numbered here in the order they arrived,
/// which is the order they are stored and answered in.
struct UploadProgress: Sendable {
    var recipientsReceived = 0
    private(set) var chunksReceived = 0
    private(set) var chunksStored = 0
    /// The first chunk that was not stored: its number and why.
    private(set) var firstLostChunk: (number: Int, reason: String)?

    /// Numbers the next chunk, in order of arrival.
    mutating func receiveChunk() -> Int {
        chunksReceived += 1
        return chunksReceived
    }

    mutating func chunkStored() {
        chunksStored += 1
    }

    mutating func chunkLost(_ number: Int, reason: String) {
        if firstLostChunk == nil { firstLostChunk = (number, reason) }
    }

    /// Why the upload cannot be committed, or nil when every chunk received was stored.
    var gap: String? {
        if let lost = firstLostChunk {
            return "chunk \(lost.number) of \(chunksReceived) was not stored (\(lost.reason))"
        }
        if chunksStored != chunksReceived {
            return "only \(chunksStored) of the \(chunksReceived) chunks received were stored"
        }
        return nil
    }
}
