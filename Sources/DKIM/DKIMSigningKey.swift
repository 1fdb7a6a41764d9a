import COpenSSL
import Foundation

/// A private key loaded once and shared by every signing call: OpenSSL 3 allows concurrent
/// use of one EVP_PKEY for signing as long as nobody modifies it, and parsing the PEM per message
/// would cost more than the hashing.
public struct DKIMSigningKey: Sendable {
    /// The a= algorithm, from the key's type.
    public let algorithm: DKIMAlgorithm
    /// Modulus size for RSA, 256 for Ed25519.
    public let bits: Int
    /// Where the key came from, for messages ("/etc/maild/dkim/news.key").
    public let source: String
    let storage: KeyStorage

    /// Loads a PEM private key file: PKCS#8 ("BEGIN PRIVATE KEY") or traditional RSA
    /// ("BEGIN RSA PRIVATE KEY").
    public init(pemFile path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DKIMError.keyFileUnreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw DKIMError.keyFileUnreadable(path: path, reason: "it is a directory") }
        // A device or a FIFO would be read forever (/dev/zero), and a key is a few kilobytes.
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw DKIMError.keyFileUnreadable(path: path, reason: "it is not a regular file (a device, a FIFO or a socket)")
        }
        guard status.st_size <= 1 << 20 else {
            throw DKIMError.keyFileUnreadable(path: path, reason: "it holds \(status.st_size) bytes, far more than a PEM private key")
        }
        guard access(path, R_OK) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw DKIMError.keyFileUnreadable(path: path, reason: "permission denied for user id \(getuid())")
        }
        try self.init(pem: [UInt8](data), source: path)
    }

    /// Loads a PEM private key held in memory; `source` names it in errors.
    public init(pem: [UInt8], source: String = "(PEM given in memory)") throws {
        let text = String(decoding: pem.prefix(4096), as: UTF8.self)
        if text.contains("ENCRYPTED") { throw DKIMError.encryptedKey(source: source) }
        if text.contains("-----BEGIN PUBLIC KEY-----") || text.contains("-----BEGIN RSA PUBLIC KEY-----") {
            throw DKIMError.notAPrivateKey(source: source, detail: "it holds a public key; sign with the private half")
        }
        if text.contains("-----BEGIN CERTIFICATE-----") && !text.contains("PRIVATE KEY-----") {
            throw DKIMError.notAPrivateKey(source: source, detail: "it holds a certificate")
        }
        ERR_clear_error()
        let parsed: OpaquePointer? = pem.withUnsafeBytes { bytes in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { BIO_free(bio) }
            // A callback that supplies no passphrase: without it OpenSSL would prompt on the terminal.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let pkey = parsed else {
            throw DKIMError.notAPrivateKey(source: source, detail: OpenSSLErrorQueue.drain(or: pem.isEmpty ? "the file is empty" : "no PEM private key block found"))
        }
        try self.init(adopting: pkey, source: source)
    }

    /// Takes ownership of `pkey` (freed on failure too).
    init(adopting pkey: OpaquePointer, source: String) throws {
        let type = EVP_PKEY_get_base_id(pkey)
        let bits = Int(EVP_PKEY_get_bits(pkey))
        switch type {
        case EVP_PKEY_RSA:
            guard bits >= 1024 else {
                EVP_PKEY_free(pkey)
                throw DKIMError.rsaKeyTooSmall(source: source, bits: bits)
            }
            algorithm = .rsaSHA256
        case EVP_PKEY_ED25519:
            algorithm = .ed25519SHA256
        default:
            let name = OBJ_nid2sn(type).map { String(cString: $0) } ?? "type \(type)"
            EVP_PKEY_free(pkey)
            throw DKIMError.unsupportedKeyType(source: source, type: name)
        }
        guard let sha256 = EVP_MD_fetch(nil, "SHA256", nil) else {
            EVP_PKEY_free(pkey)
            throw DKIMError.signingFailed(OpenSSLErrorQueue.drain(or: "SHA-256 is not available from the OpenSSL providers"))
        }
        self.bits = bits
        self.source = source
        self.storage = KeyStorage(pkey: pkey, sha256: sha256)
    }

    /// The public key as DKIM publishes it in p=: SubjectPublicKeyInfo DER for RSA (RFC 6376
    /// section 3.6.1), the raw 32 bytes for Ed25519 (RFC 8463 section 4).
    public func publicKeyBytes() throws -> [UInt8] {
        switch algorithm {
        case .rsaSHA256:
            let length = i2d_PUBKEY(storage.pkey, nil)
            guard length > 0 else { throw DKIMError.signingFailed(OpenSSLErrorQueue.drain(or: "cannot encode the public key")) }
            var bytes = [UInt8](repeating: 0, count: Int(length))
            let written = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
                var cursor = buffer.baseAddress
                return i2d_PUBKEY(storage.pkey, &cursor)
            }
            guard written == length else { throw DKIMError.signingFailed(OpenSSLErrorQueue.drain(or: "cannot encode the public key")) }
            return bytes
        case .ed25519SHA256:
            var length = 32
            var bytes = [UInt8](repeating: 0, count: length)
            guard EVP_PKEY_get_raw_public_key(storage.pkey, &bytes, &length) == 1 else {
                throw DKIMError.signingFailed(OpenSSLErrorQueue.drain(or: "cannot read the Ed25519 public key"))
            }
            return Array(bytes.prefix(length))
        }
    }

    /// The key as a PKCS#8 PEM ("BEGIN PRIVATE KEY"), unencrypted, for writing a new key file.
    public func privateKeyPEM() throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw DKIMError.keyGenerationFailed(OpenSSLErrorQueue.drain(or: "no memory BIO")) }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, storage.pkey, nil, nil, 0, nil, nil) == 1 else {
            throw DKIMError.keyGenerationFailed(OpenSSLErrorQueue.drain(or: "cannot encode the private key"))
        }
        var pem = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
        let read = pem.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
        guard read == pem.count else { throw DKIMError.keyGenerationFailed("short read of the encoded key") }
        return pem
    }

    /// Signs the DKIM header hash input. RSA signs SHA-256(data) with PKCS#1 v1.5; Ed25519
    /// signs SHA-256(data) itself with PureEdDSA (RFC 8463 section 3).
    func sign(_ data: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw DKIMError.signingFailed("out of memory") }
        defer { EVP_MD_CTX_free(context) }
        switch algorithm {
        case .rsaSHA256:
            guard EVP_DigestSignInit(context, nil, storage.sha256, nil, storage.pkey) == 1 else {
                throw DKIMError.signingFailed(OpenSSLErrorQueue.drain(or: "EVP_DigestSignInit failed"))
            }
            return try digestSign(context, data)
        case .ed25519SHA256:
            var hasher = try SHA256Hasher(digest: storage.sha256)
            hasher.update(data)
            let digest = try hasher.finish()
            guard EVP_DigestSignInit(context, nil, nil, nil, storage.pkey) == 1 else {
                throw DKIMError.signingFailed(OpenSSLErrorQueue.drain(or: "EVP_DigestSignInit failed"))
            }
            return try digest.withUnsafeBufferPointer { try digestSign(context, $0) }
        }
    }

    /// One call with a buffer of the key's maximum signature size: OpenSSL 3.0's EVP_DigestSign
    /// feeds the data on a size-query call too, so querying first would sign it twice.
    private func digestSign(_ context: OpaquePointer, _ input: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        var length = Int(EVP_PKEY_get_size(storage.pkey))
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, input.baseAddress, input.count) == 1 else {
            throw DKIMError.signingFailed(OpenSSLErrorQueue.drain(or: "EVP_DigestSign failed"))
        }
        if length < signature.count { signature.removeLast(signature.count - length) }
        return signature
    }
}

/// Owns the OpenSSL objects. Immutable after init and only read concurrently, hence the
/// unchecked Sendable.
final class KeyStorage: @unchecked Sendable {
    let pkey: OpaquePointer
    let sha256: OpaquePointer

    init(pkey: OpaquePointer, sha256: OpaquePointer) {
        self.pkey = pkey
        self.sha256 = sha256
    }

    deinit {
        EVP_PKEY_free(pkey)
        EVP_MD_free(sha256)
    }
}
