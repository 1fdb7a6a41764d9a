import COpenSSL

/// Incremental SHA-256 through an EVP_MD_CTX, so the body hash is fed canonical chunks as they
/// are produced instead of from a canonical copy of the body.
struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    init(digest: OpaquePointer) throws {
        guard let context = EVP_MD_CTX_new() else { throw DKIMError.signingFailed("out of memory") }
        guard EVP_DigestInit_ex(context, digest, nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw DKIMError.signingFailed(OpenSSLErrorQueue.drain(or: "EVP_DigestInit_ex(SHA256) failed"))
        }
        self.context = context
    }

    mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count > 0 else { return }
        // Cannot fail for an initialised SHA-256 context short of memory corruption.
        _ = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    consuming func finish() throws -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1, length == 32 else {
            throw DKIMError.signingFailed(OpenSSLErrorQueue.drain(or: "EVP_DigestFinal_ex failed"))
        }
        return digest
    }

    deinit { EVP_MD_CTX_free(context) }
}
