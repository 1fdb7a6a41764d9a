/// Everything that can stop a DKIM key from loading or a message from being signed, worded for
/// the operator who reads it in the log or in `mailctl` output.
public enum DKIMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key file could not be read (missing, permissions, a directory).
    case keyFileUnreadable(path: String, reason: String)
    /// The PEM held something OpenSSL could not read as a private key (a public key, a
    /// certificate, garbage, truncated base64).
    case notAPrivateKey(source: String, detail: String)
    /// The PEM is password-protected; maild runs unattended and cannot ask for a passphrase.
    case encryptedKey(source: String)
    /// A private key of a kind DKIM does not define (EC P-256, DSA, Ed448...).
    case unsupportedKeyType(source: String, type: String)
    /// RFC 8301 section 3.2: verifiers must not accept RSA keys under 1024 bits.
    case rsaKeyTooSmall(source: String, bits: Int)
    /// RFC 6376 section 5.4: From is the one header a signature must cover.
    case missingFromHeader
    /// RFC 5322 allows exactly one From; receivers (and RFC 8616 era verifiers) reject more.
    case multipleFromHeaders(count: Int)
    /// A header line that is neither "Name: value" nor a continuation line.
    case malformedHeader(line: Int, excerpt: String)
    /// The header section has a bare LF or CR; the signer wants CRLF lines, as sent in DATA.
    case bareLineBreak(line: Int)
    /// d= must be an ASCII (A-label) domain name.
    case invalidDomain(String)
    /// s= must be a DNS label sequence.
    case invalidSelector(String)
    /// A header name in the signing list is not a valid field name.
    case invalidHeaderName(String)
    /// OpenSSL refused to sign or hash; carries its error queue.
    case signingFailed(String)
    /// OpenSSL could not generate a key.
    case keyGenerationFailed(String)
    /// A new key file could not be written.
    case keyFileNotWritten(path: String, reason: String)

    public var description: String {
        switch self {
        case let .keyFileUnreadable(path, reason):
            return "DKIM key file \(path) cannot be read: \(reason)"
        case let .notAPrivateKey(source, detail):
            return "DKIM key \(source) is not a PEM private key (\(detail)); expected \"-----BEGIN PRIVATE KEY-----\" (PKCS#8) or \"-----BEGIN RSA PRIVATE KEY-----\", e.g. made by mailctl dkim-keygen"
        case let .encryptedKey(source):
            return "DKIM key \(source) is encrypted with a passphrase; maild cannot prompt for it. Decrypt it once: openssl pkey -in KEY -out KEY.plain, then chmod 600 KEY.plain"
        case let .unsupportedKeyType(source, type):
            return "DKIM key \(source) is a \(type) key; DKIM signs with RSA (rsa-sha256) or Ed25519 (ed25519-sha256) keys only"
        case let .rsaKeyTooSmall(source, bits):
            return "DKIM key \(source) is RSA \(bits) bits; receivers ignore signatures from keys under 1024 bits (RFC 8301) and 2048 is the norm: make a new one with mailctl dkim-keygen --algorithm rsa"
        case .missingFromHeader:
            return "the message has no From header; DKIM must sign From (RFC 6376 section 5.4), so it was not signed"
        case let .multipleFromHeaders(count):
            return "the message has \(count) From headers; RFC 5322 allows one and receivers reject signed mail with more, so it was not signed"
        case let .malformedHeader(line, excerpt):
            return "header line \(line) of the message is not \"Name: value\" nor a folded continuation: \(String(reflecting: excerpt))"
        case let .bareLineBreak(line):
            return "header line \(line) of the message has a bare LF or CR; DKIM signs the message as sent in SMTP, with CRLF line endings"
        case let .invalidDomain(domain):
            return "DKIM domain \(String(reflecting: domain)) is not an ASCII domain name (use the A-label form, e.g. xn--bcher-kva.example)"
        case let .invalidSelector(selector):
            return "DKIM selector \(String(reflecting: selector)) is not a DNS label sequence (letters, digits, hyphens, dots)"
        case let .invalidHeaderName(name):
            return "\(String(reflecting: name)) cannot be a header name in the DKIM signing list (printable ASCII without colon or space)"
        case let .signingFailed(detail):
            return "DKIM signing failed in OpenSSL: \(detail)"
        case let .keyGenerationFailed(detail):
            return "DKIM key generation failed in OpenSSL: \(detail)"
        case let .keyFileNotWritten(path, reason):
            return "DKIM key file \(path) was not written: \(reason)"
        }
    }
}
