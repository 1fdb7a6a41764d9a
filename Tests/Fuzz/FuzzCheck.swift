// Checks for the fuzz harnesses that say what broke. `precondition` drops its message in -O
// builds, and the harnesses are built with -O for speed, so a failed invariant would only
// show "deadly signal" without these.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops the fuzzer with `message` on stderr when an invariant does not hold.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fail(message()) }
}

func fail(_ message: @autoclosure () -> String) -> Never {
    let text = Array("INVARIANT BROKEN: \(message())\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}

/// Writes `bytes` to `path`, replacing it. Not `FileManager.createFile`, which writes a
/// temporary file and renames it: that made the file-reading harnesses 50 times slower.
func writeFile(_ path: String, _ bytes: [UInt8]) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if descriptor < 0 { fail("cannot open \(path)") }
    defer { close(descriptor) }
    var written = 0
    while written < bytes.count {
        let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
        if result <= 0 { fail("cannot write \(path)") }
        written += result
    }
}
