import COpenSSL
import Foundation

extension DKIMSigningKey {
    /// A fresh key. RSA defaults to 2048 bits: the size every large receiver expects; 1024 still
    /// verifies but is discouraged (RFC 8301), 4096 does not fit some DNS providers' TXT forms.
    public static func generate(_ algorithm: DKIMAlgorithm, rsaBits: Int = 2048) throws -> DKIMSigningKey {
        if algorithm == .rsaSHA256, rsaBits < 1024 {
            throw DKIMError.rsaKeyTooSmall(source: "(new key)", bits: rsaBits)
        }
        let type = algorithm == .rsaSHA256 ? EVP_PKEY_RSA : EVP_PKEY_ED25519
        guard let context = EVP_PKEY_CTX_new_id(type, nil) else {
            throw DKIMError.keyGenerationFailed(OpenSSLErrorQueue.drain(or: "EVP_PKEY_CTX_new_id failed"))
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else {
            throw DKIMError.keyGenerationFailed(OpenSSLErrorQueue.drain(or: "EVP_PKEY_keygen_init failed"))
        }
        if algorithm == .rsaSHA256, EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(rsaBits)) != 1 {
            throw DKIMError.keyGenerationFailed(OpenSSLErrorQueue.drain(or: "cannot set RSA key size \(rsaBits)"))
        }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen(context, &pkey) == 1, let generated = pkey else {
            throw DKIMError.keyGenerationFailed(OpenSSLErrorQueue.drain(or: "EVP_PKEY_keygen failed"))
        }
        return try DKIMSigningKey(adopting: generated, source: "(new \(algorithm.keyType) key)")
    }

    /// Writes the key as PKCS#8 PEM to a new file readable by its owner only (0600). An
    /// existing file is never overwritten: replacing a published key breaks every signature
    /// still in flight.
    public func writePEM(toNewFile path: String) throws {
        let pem = try privateKeyPEM()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = errno == EEXIST ? "the file exists; pick another name or remove the old key first" : String(cString: strerror(errno))
            throw DKIMError.keyFileNotWritten(path: path, reason: reason)
        }
        defer { close(descriptor) }
        // The umask cannot widen 0600, but an explicit fchmod keeps the intent obvious.
        _ = fchmod(descriptor, 0o600)
        var offset = 0
        while offset < pem.count {
            let written = pem[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else {
                if written < 0, errno == EINTR { continue }
                throw DKIMError.keyFileNotWritten(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
        guard fsync(descriptor) == 0 else { throw DKIMError.keyFileNotWritten(path: path, reason: String(cString: strerror(errno))) }
    }
}
