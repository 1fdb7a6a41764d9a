import ArgumentParser
import Foundation

/// Reads a secret (password, token) from a file or standard input.
///
/// Only the first line counts, without its line ending: `echo secret > file` is how most
/// operators write these files, and a trailing newline must not become part of a password.
enum SecretFile {
    static func read(_ path: String, option: String) throws -> String {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ValidationError("\(option): cannot read \(path) (missing, or not readable by this user)")
            }
            data = contents
        }
        let text = String(decoding: data, as: UTF8.self)
        let firstLine = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).first.map(String.init) ?? ""
        guard !firstLine.isEmpty else { throw ValidationError("\(option): \(path) is empty") }
        return firstLine
    }
}
