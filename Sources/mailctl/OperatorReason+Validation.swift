import ArgumentParser
import IPC

extension OperatorReason {
    /// maild's rule, checked before connecting so a bad reason is a usage error (exit 64).
    static func validate(_ reason: String, option: String) throws {
        if case .failure(let failure) = checked(reason, field: option) { throw ValidationError(failure.message) }
    }
}
