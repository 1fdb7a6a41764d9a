import ArgumentParser
import Foundation
import Delivery
import IPC

struct SuppressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suppress", abstract: "Manage the suppression list: addresses maild never mails again.",
        subcommands: [SuppressAddCommand.self, SuppressRemoveCommand.self, SuppressListCommand.self, SuppressImportCommand.self])
}

extension IPCResponse {
    func suppressionChange() throws -> SuppressionChange {
        guard case .suppressionChanged(let change) = self else { throw IPCError.unexpectedResponse(expected: "suppression_changed", received: type) }
        return change
    }
}

struct SuppressAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Suppress addresses (unsubscribes, complaints).")
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Addresses.") var addresses: [String]
    @Option(help: "Why, kept with each entry: one line of up to 500 characters.") var reason = "added by operator"
    func validate() throws { try OperatorReason.validate(reason, option: "--reason") }
    func run() async throws {
        let change = try await daemon.withDaemon { try await $0.call(.suppressAdd(SuppressAddresses(addresses: addresses, reason: reason))).suppressionChange() }
        writeOut("\(change.changed) added, \(change.unchanged) already suppressed\n")
    }
}

struct SuppressRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Allow mail to addresses again (admins).")
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Addresses.") var addresses: [String]
    func run() async throws {
        let change = try await daemon.withDaemon { try await $0.call(.suppressRemove(UnsuppressAddresses(addresses: addresses))).suppressionChange() }
        writeOut("\(change.changed) removed, \(change.unchanged) were not suppressed\n")
        if change.changed == 0 { throw ExitCode(1) }
    }
}

struct SuppressListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Print the suppression list as CSV or JSON lines (admins).")
    @OptionGroup var daemon: DaemonOptions
    @Flag(help: "One JSON object per line.") var json = false
    func run() async throws {
        if !json { writeOut("address,reason,class,job_id,at\n") }
        let format = ISO8601DateFormatter()
        try await daemon.withDaemon { client in
            var after = ""
            while true {
                let response = try await client.call(.suppressList(ListSuppressions(afterAddress: after)))
                guard case .suppressions(let page) = response else { throw IPCError.unexpectedResponse(expected: "suppressions", received: response.type) }
                for entry in page.entries {
                    let fields = [entry.address, entry.reason, entry.replyClass ?? "", entry.jobID.map(String.init) ?? "", format.string(from: entry.at)]
                    writeOut(json ? encodeJSONLine(entry) : fields.map(CSVField.quoted).joined(separator: ",") + "\n")
                }
                guard let next = page.nextAfterAddress else { return }
                after = next
            }
        }
    }
}

struct SuppressImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Suppress every address of a file: one per line, or CSV with an email (or address) column.")
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The file.") var file: String
    @Option(help: "Why, kept with each entry: one line of up to 500 characters (default: imported from FILE).") var reason: String?
    func validate() throws {
        if let reason { try OperatorReason.validate(reason, option: "--reason") }
    }
    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            printError("mailctl: \(file) cannot be read or is not UTF-8"); throw ExitCode(1)
        }
        let parsed = SuppressionImportFile(text: text, name: file)
        parsed.problems.forEach { printError($0) }
        guard parsed.problems.isEmpty else { throw ExitCode(1) }
        let why = reason ?? "imported from \((file as NSString).lastPathComponent)"
        let total = try await daemon.withDaemon { client in
            var sum = SuppressionChange(changed: 0, unchanged: 0)
            for start in stride(from: 0, to: parsed.addresses.count, by: 10_000) {
                let chunk = Array(parsed.addresses[start..<min(start + 10_000, parsed.addresses.count)])
                let change = try await client.call(.suppressAdd(SuppressAddresses(addresses: chunk, reason: why))).suppressionChange()
                sum.changed += change.changed
                sum.unchanged += change.unchanged
            }
            return sum
        }
        writeOut("\(total.changed) added, \(total.unchanged) already suppressed\n")
    }
}
