import COpenSSL
import Foundation

/// The server half of CRAM-MD5 (RFC 2195): a fresh challenge, and the check of
/// `username hex(HMAC-MD5(password, challenge))`.
enum CRAMMD5Verifier {
    /// `<random.timestamp@hostname>`, the msg-id form RFC 2195 section 2 asks for; random so
    /// that a recorded answer cannot be replayed.
    static func makeChallenge(hostname: String) -> String {
        let random = UInt64.random(in: 0...UInt64.max)
        let timestamp = Int(Date().timeIntervalSince1970)
        return "<\(random).\(timestamp)@\(hostname)>"
    }

    static func verify(challenge: String, digest: String, password: String) -> Bool {
        guard let expected = hexDigest(key: Array(password.utf8), message: Array(challenge.utf8)) else { return false }
        let given = Array(digest.lowercased().utf8)
        let wanted = Array(expected.utf8)
        guard given.count == wanted.count else { return false }
        // Compare every byte, so the time taken does not say how much of the digest was right.
        return zip(given, wanted).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func hexDigest(key: [UInt8], message: [UInt8]) -> String? {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                HMAC(EVP_md5(), keyBuffer.baseAddress, Int32(keyBuffer.count), messageBuffer.baseAddress, messageBuffer.count,
                     &output, &length)
            }
        }
        guard result != nil else { return nil }
        return output.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
