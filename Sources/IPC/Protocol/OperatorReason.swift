import Foundation

/// The rule for reasons an operator writes (`pause --reason`, `suppress add --reason`): one
/// line of 1 to 500 characters. Reasons go into log lines and `status`; a line break in one
/// would forge a log line, and an empty one explains nothing. mailctl checks before sending,
/// and maild checks again for clients that are not mailctl.
public enum OperatorReason {
    public static let maximumLength = 500

    /// The reason as kept (surrounding spaces and line breaks trimmed), or why it is refused,
    /// naming `field` (the option or wire field the caller knows it by).
    public static func checked(_ reason: String, field: String) -> Result<String, IPCFailure> {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        let problem: String? =
            if trimmed.isEmpty { "is empty" }
            else if trimmed.contains(where: \.isNewline) { "spans more than one line" }
            else if trimmed.count > maximumLength { "has \(trimmed.count) characters" }
            else { nil }
        guard let problem else { return .success(trimmed) }
        return .failure(IPCFailure(.badRequest, "\(field): the reason \(problem); a reason is one line of 1 to \(maximumLength) characters"))
    }
}
