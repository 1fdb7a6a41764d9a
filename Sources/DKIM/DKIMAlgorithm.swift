/// The signing algorithms maild uses, named as they appear in the a= tag.
public enum DKIMAlgorithm: String, Sendable, CaseIterable {
    /// RFC 6376 / RFC 8301: RSASSA-PKCS1-v1_5 over SHA-256. Every receiver verifies it.
    case rsaSHA256 = "rsa-sha256"
    /// RFC 8463: PureEdDSA over the SHA-256 of the header data. Small keys and fast, but not
    /// every receiver checks it yet, so it is usually published next to an RSA signature.
    case ed25519SHA256 = "ed25519-sha256"

    /// The k= value of the DNS key record.
    public var keyType: String {
        switch self {
        case .rsaSHA256: return "rsa"
        case .ed25519SHA256: return "ed25519"
        }
    }
}
