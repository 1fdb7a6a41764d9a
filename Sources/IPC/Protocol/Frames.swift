import Foundation
import NIOCore

/// A request with the id its answers will carry.
public struct RequestFrame: Sendable, Equatable {
    public var id: UInt64
    public var request: IPCRequest

    public init(id: UInt64, request: IPCRequest) {
        self.id = id
        self.request = request
    }
}

/// An answer (or a watch event) to the request with the same id.
public struct ResponseFrame: Sendable, Equatable {
    public var id: UInt64
    public var response: IPCResponse

    public init(id: UInt64, response: IPCResponse) {
        self.id = id
        self.response = response
    }
}

private enum EnvelopeKeys: String, CodingKey { case id, type, body }

/// Reads the envelope first, so that a frame with a known id but a bad body can still be
/// answered with an error that names the request.
public struct EnvelopeHeader: Decodable, Sendable {
    public var id: UInt64
    public var type: String
}

extension RequestFrame: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: EnvelopeKeys.self)
        id = try container.decode(UInt64.self, forKey: .id)
        let type = try container.decode(String.self, forKey: .type)
        func body<T: Decodable>(_: T.Type) throws -> T { try container.decode(T.self, forKey: .body) }
        switch type {
        case "hello": request = .hello(try body(Hello.self))
        case "submit_begin": request = .submitBegin(try body(SubmitBegin.self))
        case "submit_chunk": request = .submitChunk(try body(SubmitChunk.self))
        case "submit_commit": request = .submitCommit(try body(SubmitCommit.self))
        case "submit_abort": request = .submitAbort(try body(JobReference.self))
        case "status": request = .status(try body(JobReference.self))
        case "list": request = .list(try body(ListJobs.self))
        case "watch": request = .watch(try body(JobReference.self))
        case "pause": request = .pause(try body(PauseJob.self))
        case "resume": request = .resume(try body(JobReference.self))
        case "cancel": request = .cancel(try body(JobReference.self))
        case "retry_failed": request = .retryFailed(try body(JobReference.self))
        case "report": request = .report(try body(ReportRequest.self))
        case "verify": request = .verify(try body(VerifyAccount.self))
        case "suppress_add": request = .suppressAdd(try body(SuppressAddresses.self))
        case "suppress_remove": request = .suppressRemove(try body(UnsuppressAddresses.self))
        case "suppress_list": request = .suppressList(try body(ListSuppressions.self))
        case "unsubscribe": request = .unsubscribe(try body(Unsubscribe.self))
        default: throw IPCError.unknownType(type)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: EnvelopeKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(request.type, forKey: .type)
        switch request {
        case .hello(let body): try container.encode(body, forKey: .body)
        case .submitBegin(let body): try container.encode(body, forKey: .body)
        case .submitChunk(let body): try container.encode(body, forKey: .body)
        case .submitCommit(let body): try container.encode(body, forKey: .body)
        case .submitAbort(let body), .status(let body), .watch(let body), .resume(let body),
             .cancel(let body), .retryFailed(let body):
            try container.encode(body, forKey: .body)
        case .list(let body): try container.encode(body, forKey: .body)
        case .pause(let body): try container.encode(body, forKey: .body)
        case .report(let body): try container.encode(body, forKey: .body)
        case .verify(let body): try container.encode(body, forKey: .body)
        case .suppressAdd(let body): try container.encode(body, forKey: .body)
        case .suppressRemove(let body): try container.encode(body, forKey: .body)
        case .suppressList(let body): try container.encode(body, forKey: .body)
        case .unsubscribe(let body): try container.encode(body, forKey: .body)
        }
    }
}

extension ResponseFrame: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: EnvelopeKeys.self)
        id = try container.decode(UInt64.self, forKey: .id)
        let type = try container.decode(String.self, forKey: .type)
        func body<T: Decodable>(_: T.Type) throws -> T { try container.decode(T.self, forKey: .body) }
        switch type {
        case "hello": response = .hello(try body(HelloReply.self))
        case "submit_started": response = .submitStarted(try body(SubmitStarted.self))
        case "chunk_accepted": response = .chunkAccepted(try body(ChunkAccepted.self))
        case "job": response = .job(try body(JobStatus.self))
        case "jobs": response = .jobs(try body([JobStatus].self))
        case "event": response = .event(try body(JobStatus.self))
        case "report": response = .report(try body(ReportPage.self))
        case "verified": response = .verified(try body(VerifyReply.self))
        case "suppression_changed": response = .suppressionChanged(try body(SuppressionChange.self))
        case "suppressions": response = .suppressions(try body(SuppressionPage.self))
        case "unsubscribed": response = .unsubscribed(try body(Unsubscribed.self))
        case "error": response = .error(try body(IPCFailure.self))
        default: throw IPCError.unknownType(type)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: EnvelopeKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(response.type, forKey: .type)
        switch response {
        case .hello(let body): try container.encode(body, forKey: .body)
        case .submitStarted(let body): try container.encode(body, forKey: .body)
        case .chunkAccepted(let body): try container.encode(body, forKey: .body)
        case .job(let body), .event(let body): try container.encode(body, forKey: .body)
        case .jobs(let body): try container.encode(body, forKey: .body)
        case .report(let body): try container.encode(body, forKey: .body)
        case .verified(let body): try container.encode(body, forKey: .body)
        case .suppressionChanged(let body): try container.encode(body, forKey: .body)
        case .suppressions(let body): try container.encode(body, forKey: .body)
        case .unsubscribed(let body): try container.encode(body, forKey: .body)
        case .error(let body): try container.encode(body, forKey: .body)
        }
    }
}

/// JSON in and out of frame bodies, with errors that say what was wrong.
public enum FrameCoding {
    public static func encode<T: Encodable>(_ value: T, allocator: ByteBufferAllocator = ByteBufferAllocator()) throws -> ByteBuffer {
        let data = try IPCProtocol.makeEncoder().encode(value)
        return allocator.buffer(bytes: data)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws(IPCError) -> T {
        let data = Data(buffer.readableBytesView)
        do {
            return try IPCProtocol.makeDecoder().decode(T.self, from: data)
        } catch let error as IPCError {
            throw error
        } catch let error as DecodingError {
            throw IPCError.malformedFrame(detail: describe(error))
        } catch {
            throw IPCError.malformedFrame(detail: String(describing: error))
        }
    }

    /// The wire's spelling of a key (`jobId` -> `job_id`), so errors name what the peer sent.
    static func snakeCase(_ key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase {
                if !result.isEmpty, result.last != "_" { result.append("_") }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// "body.recipients[3].address: missing" rather than Foundation's debug dump.
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    let name = snakeCase(key.stringValue)
                    text += text.isEmpty ? name : "." + name
                }
            }
            return text.isEmpty ? "(top level)" : text
        }
        switch error {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        @unknown default:
            return String(describing: error)
        }
    }
}
