import COpenSSL

/// SHA-256 and HMAC-SHA256 through the system OpenSSL (one-shot calls, no allocation besides
/// the result).
enum Digests {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        bytes.withUnsafeBytes { input in
            output.withUnsafeMutableBufferPointer { out in
                _ = EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        return output
    }

    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                output.withUnsafeMutableBufferPointer { out in
                    // A zero-length key needs a non-null pointer for OpenSSL.
                    var empty: UInt8 = 0
                    let keyPointer = keyBuffer.baseAddress ?? withUnsafePointer(to: &empty) { $0 }
                    _ = HMAC(EVP_sha256(), keyPointer, Int32(keyBuffer.count), messageBuffer.baseAddress, messageBuffer.count,
                             out.baseAddress, &length)
                }
            }
        }
        return output
    }
}
