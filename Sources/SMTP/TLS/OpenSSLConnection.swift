import COpenSSL
import NIOCore

/// One OpenSSL `SSL` object with a memory BIO pair: the only place that calls OpenSSL's
/// per-connection functions, so pointer ownership stays in one file.
final class OpenSSLConnection {
    enum HandshakeResult {
        case done
        case wantMore
        case failed(TLSHandshakeError)
    }

    enum ReadResult {
        case bytes(Int)
        case wantMore
        case closedByPeer
        case failed(TLSHandshakeError)
    }

    let ssl: OpaquePointer
    private let networkIn: OpaquePointer
    private let networkOut: OpaquePointer
    // Keeps the SSL_CTX alive as long as the SSL that references it.
    private let context: TLSContext
    private let verifiesPeer: Bool
    private var handshakeDone = false

    init(context: TLSContext, serverHostname: String?) throws(TLSConfigurationError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.pointer) else {
            throw TLSConfigurationError(file: nil, detail: "cannot create a TLS connection: \(OpenSSLErrors.drain())")
        }
        guard let networkIn = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSConfigurationError(file: nil, detail: "cannot create memory BIOs: \(OpenSSLErrors.drain())")
        }
        guard let networkOut = BIO_new(BIO_s_mem()) else {
            BIO_free(networkIn)
            SSL_free(ssl)
            throw TLSConfigurationError(file: nil, detail: "cannot create memory BIOs: \(OpenSSLErrors.drain())")
        }
        // An empty input BIO means "wait for more", not end of file.
        _ = maild_BIO_set_mem_eof_return(networkIn, -1)
        _ = maild_BIO_set_mem_eof_return(networkOut, -1)
        SSL_set_bio(ssl, networkIn, networkOut)  // the SSL now owns both BIOs
        self.ssl = ssl
        self.networkIn = networkIn
        self.networkOut = networkOut
        self.context = context
        self.verifiesPeer = context.verifiesPeer

        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverHostname, !serverHostname.isEmpty {
                try configureClient(serverHostname: serverHostname, verifies: context.verifiesPeer)
            }
        }
    }

    deinit {
        SSL_free(ssl)
    }

    private func configureClient(serverHostname: String, verifies: Bool) throws(TLSConfigurationError) {
        let isIPAddress = IPAddressSyntax.isIPAddress(serverHostname)
        if !isIPAddress, maild_SSL_set_sni(ssl, serverHostname) != 1 {
            throw TLSConfigurationError(file: nil, detail: "cannot set SNI \(serverHostname): \(OpenSSLErrors.drain())")
        }
        guard verifies else { return }
        if isIPAddress {
            let parameters = SSL_get0_param(ssl)
            if X509_VERIFY_PARAM_set1_ip_asc(parameters, serverHostname) != 1 {
                throw TLSConfigurationError(file: nil, detail: "cannot verify against IP \(serverHostname)")
            }
        } else if SSL_set1_host(ssl, serverHostname) != 1 {
            throw TLSConfigurationError(file: nil, detail: "cannot verify against host \(serverHostname)")
        }
    }

    /// Gives OpenSSL the ciphertext the peer sent.
    func feed(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
            return BIO_write(networkIn, base, Int32(bytes.count)) == Int32(bytes.count)
        }
    }

    func handshake() -> HandshakeResult {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            handshakeDone = true
            return .done
        }
        let error = SSL_get_error(ssl, result)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return .wantMore }
        return .failed(describeFailure(sslError: error))
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        ERR_clear_error()
        guard let base = buffer.baseAddress else { return .wantMore }
        let result = SSL_read(ssl, base, Int32(buffer.count))
        if result > 0 { return .bytes(Int(result)) }
        let error = SSL_get_error(ssl, result)
        switch error {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wantMore
        case SSL_ERROR_ZERO_RETURN: return .closedByPeer
        default: return .failed(describeFailure(sslError: error))
        }
    }

    /// Encrypts the whole buffer; with a memory BIO OpenSSL never needs to wait for the socket.
    func write(_ buffer: ByteBuffer) -> Bool {
        ERR_clear_error()
        return buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                guard let base = bytes.baseAddress else { return false }
                let chunk = min(bytes.count - offset, 1 << 20)  // SSL_write takes an Int32 length
                let written = SSL_write(ssl, base + offset, Int32(chunk))
                if written <= 0 { return false }
                offset += Int(written)
            }
            return true
        }
    }

    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
    }

    var pendingCiphertextCount: Int { Int(BIO_ctrl_pending(networkOut)) }
    var hasCiphertextToSend: Bool { pendingCiphertextCount > 0 }

    func takeCiphertext(into buffer: inout ByteBuffer, count: Int) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            guard let base = bytes.baseAddress else { return 0 }
            return max(0, Int(BIO_read(networkOut, base, Int32(count))))
        }
    }

    private func describeFailure(sslError: Int32) -> TLSHandshakeError {
        // The verify result only explains a failure of a verifying handshake: in insecure mode
        // it stays non-OK for any self-signed peer and would mislabel every later failure.
        let verifyResult = SSL_get_verify_result(ssl)
        if verifiesPeer, !handshakeDone, verifyResult != Int(X509_V_OK) {
            _ = OpenSSLErrors.drain()
            let reason = X509_verify_cert_error_string(verifyResult).map { String(cString: $0) } ?? "code \(verifyResult)"
            return TLSHandshakeError(detail: "certificate verification failed: \(reason)", certificateProblem: true)
        }
        if sslError == SSL_ERROR_SYSCALL {
            let queued = OpenSSLErrors.drain()
            return TLSHandshakeError(detail: queued == "unknown OpenSSL error" ? "the peer closed the connection during TLS" : queued,
                                     certificateProblem: false)
        }
        return TLSHandshakeError(detail: OpenSSLErrors.drain(), certificateProblem: false)
    }
}

/// Tells IP literals from host names without a resolver.
enum IPAddressSyntax {
    static func isIPAddress(_ text: String) -> Bool {
        if text.contains(":") { return true }  // IPv6
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) && (Int(part) ?? 256) <= 255
        }
    }
}
