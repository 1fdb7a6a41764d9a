import Foundation
import IPC
import Logging
import Message
import Queue

/// The suppression list behind the control socket: add (anyone allowed to submit: sending
/// less never harms), remove and list (admins: removing re-enables mail to a bounced address,
/// and the list holds addresses of every user's campaigns).
public struct SuppressionService: Sendable {
    private let store: StoreAccess
    private let logger: Logger

    public init(store: StoreAccess, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func add(_ request: SuppressAddresses, from client: ClientContext) async throws -> SuppressionChange {
        let addresses = try Self.checked(request.addresses)
        let reason = try OperatorReason.checked(request.reason, field: "reason").get()
        let added = try await store.run { try $0.suppress(addresses, reason: reason) }
        logger.info("addresses suppressed", metadata: ["added": "\(added)", "already": "\(addresses.count - added)", "reason": "\(reason)", "uid": "\(client.peer.uid)"])
        return SuppressionChange(changed: added, unchanged: addresses.count - added)
    }

    public func remove(_ request: UnsuppressAddresses, from client: ClientContext) async throws -> SuppressionChange {
        try Self.requireAdmin(client, "remove addresses from the suppression list")
        let addresses = try Self.checked(request.addresses, requireValid: false)
        let removed = try await store.run { store in try addresses.reduce(0) { $0 + (try store.unsuppress($1) ? 1 : 0) } }
        logger.notice("addresses removed from the suppression list", metadata: ["removed": "\(removed)", "uid": "\(client.peer.uid)"])
        return SuppressionChange(changed: removed, unchanged: addresses.count - removed)
    }

    public func list(_ request: ListSuppressions, from client: ClientContext) async throws -> SuppressionPage {
        try Self.requireAdmin(client, "list the suppression list")
        let limit = min(max(request.limit, 1), 10_000)
        let entries = try await store.run { try $0.suppressionList(afterAddress: request.afterAddress, limit: limit) }
        return SuppressionPage(
            entries: entries.map { WireSuppression(address: $0.address, reason: $0.reason, replyClass: $0.replyClass?.rawValue, jobID: $0.jobID, at: $0.at) },
            nextAfterAddress: entries.count == limit ? entries.last?.address : nil)
    }

    /// A recipient's own unsubscribe, relayed by the operator's link or mailto handler: the
    /// token (which only maild can make) must belong to the address in one of its jobs. Anyone
    /// allowed to submit may relay it: the token, not the caller, is the proof.
    public func unsubscribe(_ request: Unsubscribe, secret: [UInt8], from client: ClientContext) async throws -> Unsubscribed {
        let given = request.address.trimmingCharacters(in: .whitespaces)
        let address: EmailAddress
        do {
            address = try EmailAddress(addrSpec: given)
        } catch {
            throw IPCFailure(.badRequest, "not an address: \(String(reflecting: given)): \(error)")
        }
        let token = request.token.trimmingCharacters(in: .whitespaces)
        guard token.utf8.count == 43, token.utf8.allSatisfy({ $0.isBase64URL }) else {
            throw IPCFailure(.badRequest, "an unsubscribe token is 43 characters of base64url (A-Z a-z 0-9 - _), as the {{token}} of the message; got \(token.utf8.count) characters")
        }
        let key = address.normalizedKey
        // The token was made for the address as the list had it; a mailto's From may differ in
        // the case of its letters, so every listed form the suppression would cover is tried.
        let jobID = request.jobID
        let candidates = try await store.read { try $0.recipients(suppressedBy: key, jobID: jobID) }
        let match = candidates.first { candidate in
            guard let listed = try? EmailAddress(addrSpec: candidate.address) else { return false }
            return UnsubscribeToken.verify(token, secret: secret, jobID: candidate.jobID, address: listed)
        }
        guard let match else {
            logger.notice("unsubscribe refused: the token does not match the address", metadata: [
                "address": "\(key)", "uid": "\(client.peer.uid)",
            ])
            // The same answer whether or not some job has the address: a client may not learn
            // what other users' lists hold.
            throw IPCFailure(.permissionDenied, "the token does not belong to \(key)\(jobID.map { " in job \($0)" } ?? ""); nothing was changed")
        }
        let added = try await store.run { try $0.suppress([key], reason: "unsubscribed (job \(match.jobID))", jobID: match.jobID) }
        logger.info("recipient unsubscribed", metadata: ["address": "\(key)", "job_id": "\(match.jobID)", "already": "\(added == 0)", "uid": "\(client.peer.uid)"])
        return Unsubscribed(address: QueueStore.normalize(key), jobID: match.jobID, alreadySuppressed: added == 0)
    }

    private static func requireAdmin(_ client: ClientContext, _ what: String) throws {
        guard client.role == .admin else { throw IPCFailure(.permissionDenied, "only admins may \(what)") }
    }

    /// Addresses as sent, each checked to look like one; every bad one is named.
    ///
    /// Adding (`requireValid`) parses each as the campaign loader parses a recipient: an entry
    /// no campaign could hold (`a@b@c`, `x@example.com,y@example.com`) suppresses nobody and
    /// hides the operator's typo. Removing only checks the shape, so an entry listed before
    /// this check can still be taken out.
    static func checked(_ addresses: [String], requireValid: Bool = true) throws -> [String] {
        guard !addresses.isEmpty else { throw IPCFailure(.badRequest, "no address given") }
        guard addresses.count <= IPCLimits.maximumRecipientsPerChunk else {
            throw IPCFailure(.limitExceeded, "at most \(IPCLimits.maximumRecipientsPerChunk) addresses per request, this one has \(addresses.count)")
        }
        let trimmed = addresses.map { $0.trimmingCharacters(in: .whitespaces) }
        var bad: [String] = []
        var normalized: [String] = []
        for address in trimmed {
            if let at = address.lastIndex(of: "@"), address.count <= 320, at != address.startIndex, address.index(after: at) != address.endIndex,
               !address.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "<" || $0 == ">" }) {
                // The form recipients are stored in (an internationalized domain as its
                // A-label), so `user@bücher.example` stops mail to a listed
                // `user@xn--bcher-kva.example`.
                do {
                    normalized.append(try EmailAddress(addrSpec: address).normalizedKey)
                } catch {
                    if requireValid { bad.append("\(error)") } else { normalized.append(address) }
                }
            } else {
                bad.append("not an address: \(String(reflecting: address))")
            }
        }
        guard bad.isEmpty else {
            let shown = 10
            throw IPCFailure(.badRequest, "addresses: \(bad.prefix(shown).joined(separator: "; "))\(bad.count > shown ? "; and \(bad.count - shown) more" : ""); nothing was changed")
        }
        return normalized
    }
}

private extension UInt8 {
    var isBase64URL: Bool {
        (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) || (0x30...0x39).contains(self) || self == 0x2D || self == 0x5F
    }
}
