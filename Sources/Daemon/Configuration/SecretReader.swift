import Foundation

/// Reads account secrets from files or from systemd credentials (`LoadCredential=` puts them
/// in `$CREDENTIALS_DIRECTORY`). Errors name the file, never its content.
struct SecretReader {
    var credentialsDirectory: String?
    /// The configuration file's folder: a relative `password_file` is found beside the
    /// configuration, like every other path in it, not in maild's working directory.
    var baseDirectory: String?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func file(_ given: String) throws(Failure) -> String {
        let path = baseDirectory.map { DaemonConfiguration.resolve(given, base: $0) } ?? given
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable by maild's user" : "does not exist"
            throw Failure(description: "secret file \(path) \(reason)")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw Failure(description: "secret file \(path) is not UTF-8 text")
        }
        // Editors add a final newline; it is never part of a password.
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard !text.isEmpty else { throw Failure(description: "secret file \(path) is empty") }
        return text
    }

    func credential(_ name: String) throws(Failure) -> String {
        guard let directory = credentialsDirectory else {
            throw Failure(description: "credential \"\(name)\" needs CREDENTIALS_DIRECTORY (set by systemd's LoadCredential=); outside systemd use password_file")
        }
        return try file(directory + "/" + name)
    }
}
