import COpenSSL

/// Why a TLS context could not be built from the operator's files.
public struct TLSConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String?
    public var detail: String

    public var description: String {
        if let file { return "TLS configuration: \(file): \(detail)" }
        return "TLS configuration: \(detail)"
    }
}

/// An OpenSSL `SSL_CTX`: trust anchors, certificates and protocol limits shared by every
/// connection made with it.
///
/// Built once per account or server and reused, because loading the system trust store costs
/// milliseconds that a per-connection setup would pay thousands of times in a campaign.
public final class TLSContext: @unchecked Sendable {
    // SSL_CTX is safe to share between threads once configured; it is never changed after init.
    let pointer: OpaquePointer
    public let isServer: Bool
    /// False only when an operator explicitly chose `insecure` for a test relay.
    public let verifiesPeer: Bool

    private init(pointer: OpaquePointer, isServer: Bool, verifiesPeer: Bool) {
        self.pointer = pointer
        self.isServer = isServer
        self.verifiesPeer = verifiesPeer
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    /// A client context: the system trust store plus `caFile`, TLS 1.2 at least.
    public static func client(caFile: String? = nil, verifiesPeer: Bool = true) throws(TLSConfigurationError) -> TLSContext {
        ERR_clear_error()
        guard let pointer = SSL_CTX_new(TLS_client_method()) else {
            throw TLSConfigurationError(file: nil, detail: "cannot create an OpenSSL context: \(OpenSSLErrors.drain())")
        }
        let context = TLSContext(pointer: pointer, isServer: false, verifiesPeer: verifiesPeer)
        try context.applyCommonSettings()
        if verifiesPeer {
            if SSL_CTX_set_default_verify_paths(pointer) != 1 {
                throw TLSConfigurationError(file: nil, detail: "cannot load the system trust store: \(OpenSSLErrors.drain())")
            }
            if let caFile {
                if SSL_CTX_load_verify_locations(pointer, caFile, nil) != 1 {
                    throw TLSConfigurationError(file: caFile, detail: "cannot load CA certificates: \(OpenSSLErrors.drain())")
                }
            }
            SSL_CTX_set_verify(pointer, SSL_VERIFY_PEER, nil)
        } else {
            SSL_CTX_set_verify(pointer, SSL_VERIFY_NONE, nil)
        }
        return context
    }

    /// A server context from PEM files (the chain starts with the leaf certificate).
    public static func server(certificateChainFile: String, privateKeyFile: String) throws(TLSConfigurationError) -> TLSContext {
        ERR_clear_error()
        guard let pointer = SSL_CTX_new(TLS_server_method()) else {
            throw TLSConfigurationError(file: nil, detail: "cannot create an OpenSSL context: \(OpenSSLErrors.drain())")
        }
        let context = TLSContext(pointer: pointer, isServer: true, verifiesPeer: false)
        try context.applyCommonSettings()
        if SSL_CTX_use_certificate_chain_file(pointer, certificateChainFile) != 1 {
            throw TLSConfigurationError(file: certificateChainFile, detail: "cannot load the certificate chain: \(OpenSSLErrors.drain())")
        }
        if SSL_CTX_use_PrivateKey_file(pointer, privateKeyFile, SSL_FILETYPE_PEM) != 1 {
            throw TLSConfigurationError(file: privateKeyFile, detail: "cannot load the private key: \(OpenSSLErrors.drain())")
        }
        if SSL_CTX_check_private_key(pointer) != 1 {
            throw TLSConfigurationError(file: privateKeyFile, detail: "the private key does not match the certificate: \(OpenSSLErrors.drain())")
        }
        return context
    }

    private func applyCommonSettings() throws(TLSConfigurationError) {
        if maild_SSL_CTX_set_min_tls12(pointer) != 1 {
            throw TLSConfigurationError(file: nil, detail: "cannot require TLS 1.2: \(OpenSSLErrors.drain())")
        }
        _ = maild_SSL_CTX_set_no_renegotiation(pointer)
    }
}

/// Reads OpenSSL's per-thread error queue into one readable line.
enum OpenSSLErrors {
    static func drain() -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // "error:0A00010B:SSL routines::wrong version number" -> "wrong version number"
            let reason = text.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init) ?? text
            if !messages.contains(reason) { messages.append(reason) }
        }
        return messages.isEmpty ? "unknown OpenSSL error" : messages.joined(separator: "; ")
    }
}
