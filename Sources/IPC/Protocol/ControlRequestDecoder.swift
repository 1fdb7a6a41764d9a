import NIOCore

/// Reads the small requests that fifty watching clients repeat many times a second (status,
/// list, and the job commands whose body is only a job id) straight from their bytes.
///
/// Why: under load the control socket's thread spent more time in Foundation's JSONDecoder
/// than in answering; a request stuck behind that queue is what the 99th percentile of IPC
/// latency measures. Like `SubmitChunkDecoder`, it answers nil for anything it is not sure
/// of (another type, an unknown or repeated key, a float, a string where a number belongs),
/// and the caller decodes with Foundation, which also words the errors. A property test and
/// the IPC fuzzer check that whenever it answers, Foundation reads the same request.
public enum ControlRequestDecoder {
    /// Larger frames are not one of these requests (a status request is about 60 bytes), so
    /// the caller need not try.
    public static let largestFrame = 512

    public static func decode(_ buffer: ByteBuffer) -> RequestFrame? {
        buffer.withUnsafeReadableBytes { raw -> RequestFrame? in
            var reader = JSONByteReader(bytes: raw.assumingMemoryBound(to: UInt8.self))
            guard let frame = reader.controlRequestFrame() else { return nil }
            reader.skipWhitespace()
            return reader.isAtEnd ? frame : nil
        }
    }

    /// A body member: the requests read here carry only integers and booleans.
    fileprivate enum Scalar: Equatable {
        case integer(Int64)
        case boolean(Bool)
    }

    /// The request a type and a body make, nil when the body is not exactly that type's.
    fileprivate static func request(type: String, body: [String: Scalar]) -> IPCRequest? {
        switch type {
        case "status", "watch", "resume", "cancel", "retry_failed", "submit_abort":
            guard body.count == 1, case .integer(let jobID)? = body["job_id"] else { return nil }
            let reference = JobReference(jobID: jobID)
            switch type {
            case "status": return .status(reference)
            case "watch": return .watch(reference)
            case "resume": return .resume(reference)
            case "cancel": return .cancel(reference)
            case "retry_failed": return .retryFailed(reference)
            default: return .submitAbort(reference)
            }
        case "list":
            guard body.count == 1, case .boolean(let includeFinished)? = body["include_finished"] else { return nil }
            return .list(ListJobs(includeFinished: includeFinished))
        default:
            return nil
        }
    }
}

private extension JSONByteReader {
    /// The envelope in any key order: mailctl sorts its keys, so the body comes before the
    /// type that says what it is.
    mutating func controlRequestFrame() -> RequestFrame? {
        var id: UInt64?
        var type: String?
        var body: [String: ControlRequestDecoder.Scalar]?
        let complete = object { reader, key in
            switch key {
            case "id" where id == nil:
                id = reader.requestID()
                return id != nil
            case "type" where type == nil:
                type = reader.string()
                return type != nil
            case "body" where body == nil:
                body = reader.scalarObject()
                return body != nil
            default:
                return false
            }
        }
        guard complete, let id, let type, let body, let request = ControlRequestDecoder.request(type: type, body: body) else {
            return nil
        }
        return RequestFrame(id: id, request: request)
    }

    /// A flat object of integers and booleans; a repeated key is refused (Foundation's choice
    /// among duplicates is not a contract).
    mutating func scalarObject() -> [String: ControlRequestDecoder.Scalar]? {
        var result: [String: ControlRequestDecoder.Scalar] = [:]
        let complete = object { reader, key in
            guard result[key] == nil else { return false }
            if reader.consumeLiteral("true") {
                result[key] = .boolean(true)
            } else if reader.consumeLiteral("false") {
                result[key] = .boolean(false)
            } else if let value = reader.integer() {
                result[key] = .integer(value)
            } else {
                return false
            }
            return true
        }
        return complete ? result : nil
    }
}
