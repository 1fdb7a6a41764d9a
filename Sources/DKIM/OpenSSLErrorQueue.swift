import COpenSSL

/// OpenSSL reports why a call failed on a per-thread queue; draining it after each failure
/// gives the operator the library's reason and keeps stale entries from leaking into the next
/// error on the same thread.
enum OpenSSLErrorQueue {
    static func drain(or fallback: String) -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? fallback : messages.joined(separator: "; ")
    }
}
