import ArgumentParser

/// A failure at run time, not a misuse of the command line: printed as `mailctl: ...` without
/// the usage text ArgumentParser adds to a `ValidationError`, and exit status 1.
func commandFailure(_ message: String, status: Int32 = 1) -> ExitCode {
    printError("mailctl: \(message)")
    return ExitCode(status)
}
