/// Why the test server could not do what it was asked, written for the person reading a
/// failed test or `mailctl sink`'s output.
public enum SMTPServerError: Error, Sendable, CustomStringConvertible {
    case alreadyStarted
    /// `errno` tells the usual causes apart (EADDRINUSE, EACCES) for a message that says what to do.
    case bindFailed(host: String, port: Int, detail: String, errno: Int32?)
    /// A `waitUntil` condition did not hold in time; carries what the server had seen.
    case timedOut(waitingFor: String, after: Duration, record: ServerRecord)
    case maildirWriteFailed(path: String, detail: String)

    public var description: String {
        switch self {
        case .alreadyStarted:
            return "SMTP test server: start() called twice"
        case .bindFailed(let host, let port, let detail, _):
            return "SMTP test server: cannot listen on \(host):\(port): \(detail)"
        case .timedOut(let waitingFor, let after, let record):
            return "SMTP test server: timed out after \(after) waiting for \(waitingFor); so far:\n\(record)"
        case .maildirWriteFailed(let path, let detail):
            return "SMTP sink: cannot write \(path): \(detail)"
        }
    }
}
