import COpenSSL
import Foundation

/// What the TLS handshake negotiated and what the peer presented, for `mailctl verify` and logs.
public struct TLSSessionInfo: Hashable, Sendable {
    /// `TLSv1.3`, `TLSv1.2`.
    public var protocolVersion: String
    public var cipher: String
    /// The peer certificate's subject and issuer in OpenSSL's one-line form, when one was sent.
    public var peerSubject: String?
    public var peerIssuer: String?
    public var peerNotAfter: Date?
    /// True when the certificate chain and host name were verified.
    public var peerVerified: Bool

    public init(protocolVersion: String, cipher: String, peerSubject: String? = nil, peerIssuer: String? = nil,
                peerNotAfter: Date? = nil, peerVerified: Bool = false) {
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.peerSubject = peerSubject
        self.peerIssuer = peerIssuer
        self.peerNotAfter = peerNotAfter
        self.peerVerified = peerVerified
    }

    init(ssl: OpaquePointer, verified: Bool) {
        let version = SSL_get_version(ssl).map { String(cString: $0) } ?? "unknown"
        let cipher = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? "unknown"
        self.init(protocolVersion: version, cipher: cipher, peerVerified: verified)
        guard let certificate = maild_SSL_get_peer_certificate(ssl) else { return }
        defer { X509_free(certificate) }
        peerSubject = Self.oneLine(X509_get_subject_name(certificate))
        peerIssuer = Self.oneLine(X509_get_issuer_name(certificate))
        if let notAfter = X509_get0_notAfter(certificate) {
            var time = tm()
            if ASN1_TIME_to_tm(notAfter, &time) == 1 {
                peerNotAfter = Date(timeIntervalSince1970: TimeInterval(timegm(&time)))
            }
        }
    }

    private static func oneLine(_ name: OpaquePointer?) -> String? {
        guard let name, let text = X509_NAME_oneline(name, nil, 0) else { return nil }
        defer { CRYPTO_free(text, #file, #line) }
        return String(cString: text)
    }
}

/// Events the TLS handler sends up the pipeline.
public enum TLSEvent: Sendable {
    case handshakeCompleted(TLSSessionInfo)
}

/// A failed TLS handshake or a broken TLS stream, raised through `errorCaught`.
public struct TLSHandshakeError: Error, Hashable, Sendable, CustomStringConvertible {
    public var detail: String
    /// True when the peer's certificate was refused (unknown CA, wrong host, expired), as
    /// opposed to a protocol failure (no common version, a plaintext peer).
    public var certificateProblem: Bool

    public var description: String { detail }
}
