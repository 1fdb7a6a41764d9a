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
