import ArgumentParser
import Foundation
import Message

/// `mailctl preview`: validates a campaign and shows the exact messages it would send, with no
/// daemon and no network, so an operator can check a campaign before submitting it.
struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Validate a campaign file and print the message for one recipient, or write them all.",
        discussion: """
        Every problem in the campaign is listed on stderr, one per line, with its place \
        (campaign.json: recipients[3].email: ...), and the exit status is 1. Without --out the \
        first recipient's message (or --recipient's) is printed exactly as it would go to SMTP \
        DATA. Previews use job id 0, recipient ids counted from 1, the campaign's send_at (or \
        now) as the date and a preview key for unsubscribe tokens, so tokens differ from the \
        daemon's. See docs/campaign.md.
        """
    )

    @Argument(help: "The campaign file (JSON).")
    var campaign: String

    @Option(help: "Show this recipient's message instead of the first one.")
    var recipient: String?

    @Option(help: "Write every message to DIR/NNNNNN.eml (the folder is created).")
    var out: String?

    @Flag(help: "Print a JSON summary: recipients, duplicates, skipped, errors.")
    var json = false

    @Flag(name: .customLong("skip-invalid"), help: "Leave out recipients with invalid addresses instead of failing.")
    var skipInvalid = false

    func validate() throws {
        if recipient != nil && out != nil { throw ValidationError("--recipient and --out cannot be used together") }
        if let out, let file = Self.fileInTheWay(of: out) {
            let what = file == out ? "a file of that name exists" : "\(file) is a file, not a folder"
            throw ValidationError("--out \(out): \(what); --out takes a folder (created if missing) to write NNNNNN.eml files into: give a new or existing folder, or move the file away")
        }
    }

    func run() throws {
        let loaded: LoadedCampaign
        do {
            loaded = try CampaignLoader(skipInvalid: skipInvalid).load(path: campaign)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            if json { try printSummary(recipients: 0, duplicates: 0, skipped: [], errors: error.lines) }
            throw ExitCode(1)
        }
        for problem in loaded.skipped {
            FileHandle.standardError.write(Data("skipped: \(problem.isInOtherFile ? "" : campaign + ": ")\(problem)\n".utf8))
        }
        var errors: [String] = []
        do {
            errors = try render(loaded)
        } catch let error as CampaignValidationError {
            errors = error.lines
        }
        for error in errors { FileHandle.standardError.write(Data((error + "\n").utf8)) }
        if json {
            try printSummary(recipients: loaded.recipientCount, duplicates: loaded.duplicateCount,
                             skipped: loaded.skipped.map { $0.isInOtherFile ? $0.description : "\(campaign): \($0)" }, errors: errors)
        }
        if !errors.isEmpty { throw ExitCode(1) }
    }

    /// Renders what was asked; returns the rendering problems (one line each).
    private func render(_ loaded: LoadedCampaign) throws -> [String] {
        let composer: MessageComposer
        do {
            composer = try MessageComposer(spec: loaded.spec)
        } catch {
            return ["\(campaign): \(error)"]
        }
        let date = loaded.spec.sendAt ?? Date()
        var recipients = try loaded.makeRecipientIterator()
        var index: Int64 = 0
        var errors: [String] = []
        let wanted = try recipient.map { try Self.key(of: $0) }
        if let out {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                printError("mailctl: --out \(out): cannot create the folder: \(Self.reason(error))")
                throw ExitCode(1)
            }
        }
        while let next = try recipients.next() {
            index += 1
            if let wanted, (try? Self.key(of: next.address)) != wanted { continue }
            let context = RenderContext(jobID: 0, recipientID: index, date: date, unsubscribeSecret: Self.previewSecret,
                                        hostname: "preview.invalid")
            let message: RenderedMessage
            do {
                message = try composer.render(recipient: next, context: context)
            } catch {
                errors.append("\(campaign): \(error)")
                continue
            }
            if let out {
                let name = String(repeating: "0", count: max(0, 6 - String(index).count)) + String(index) + ".eml"
                let path = URL(fileURLWithPath: out).appendingPathComponent(name)
                do {
                    try Data(message.bytes).write(to: path)
                } catch {
                    printError("mailctl: --out \(out): cannot write \(path.path): \(Self.reason(error))")
                    throw ExitCode(1)
                }
                continue
            }
            if !json { FileHandle.standardOutput.write(Data(message.bytes)) }
            return errors
        }
        if out == nil && errors.isEmpty {
            errors.append(recipient.map { "\(campaign): \(String(reflecting: $0)) is not among the campaign's recipients" }
                          ?? "\(campaign): no recipient to preview")
        }
        return errors
    }

    /// The nearest existing path of `folder` and its parents, when it is not a folder: the
    /// folder cannot be created there, and Foundation's error would not say why.
    private static func fileInTheWay(of folder: String) -> String? {
        var url = URL(fileURLWithPath: folder)
        while url.path != "/" {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) { return isFolder.boolValue ? nil : url.path }
            url.deleteLastPathComponent()
        }
        return nil
    }

    /// The system's words for a file error (`Permission denied`, `Not a directory`), not
    /// Foundation's `NSCocoaErrorDomain` dump.
    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let posix = underlying, posix.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(posix.code))) }
        return (error as NSError).localizedDescription
    }

        private static func key(of address: String) throws -> String {
        do {
            return try EmailAddress(addrSpec: address.trimmingCharacters(in: .whitespaces)).normalizedKey
        } catch {
            throw ValidationError("--recipient: \(error)")
        }
    }

    /// Tokens in previews are made with this fixed key, never the daemon's secret.
    static let previewSecret = Array("mailctl preview, not a real key".utf8)

    private func printSummary(recipients: Int, duplicates: Int, skipped: [String], errors: [String]) throws {
        let object: [String: Any] = ["recipients": recipients, "duplicates": duplicates, "skipped": skipped.count,
                                     "skipped_recipients": skipped, "errors": errors]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        print(String(decoding: data, as: UTF8.self))
    }
}
