/// The per-recipient token in unsubscribe URLs: HMAC-SHA256 over the job id and the recipient's
/// normalized address with the daemon's secret, base64url without padding (RFC 4648 5). The
/// unsubscribe handler recomputes it to check that a link was not forged or guessed.
public enum UnsubscribeToken {
    public static func make(secret: [UInt8], jobID: Int64, address: EmailAddress) -> String {
        make(secret: secret, jobID: jobID, normalizedAddress: address.normalizedKey)
    }

    /// Constant-time comparison, so timing does not reveal how much of a guess was right.
    public static func verify(_ token: String, secret: [UInt8], jobID: Int64, address: EmailAddress) -> Bool {
        let expected = Array(make(secret: secret, jobID: jobID, address: address).utf8)
        let given = Array(token.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        return difference == 0
    }

    static func make(secret: [UInt8], jobID: Int64, normalizedAddress: String) -> String {
        var message = Array("unsubscribe:\(jobID):".utf8)
        message.append(contentsOf: normalizedAddress.utf8)
        return base64URL(Digests.hmacSHA256(key: secret, message: message))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Base64.encode(bytes)
        while text.last == "=" { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }
}
