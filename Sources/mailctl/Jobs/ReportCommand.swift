import ArgumentParser
import Foundation
import IPC

/// Every recipient's outcome, paged from the daemon so a million-recipient report streams.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Print every recipient's outcome as CSV or JSON lines.")

    enum Format: String, ExpressibleByArgument { case csv, json }

    /// The recipient states maild stores (Queue's `RecipientState`, which mailctl does not
    /// link): a misspelt state used to match no row and print an empty report with status 0.
    enum StateFilter: String, ExpressibleByArgument, CaseIterable {
        case pending, sending, sent, deferred, failed, skipped, cancelled
    }

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Job id.") var job: Int64
    @Option(help: "csv (default) or json (one object per line).") var format: Format = .csv
    @Option(help: "Only recipients in this state: pending, sending, sent, deferred, failed, skipped or cancelled.") var state: StateFilter?

    func run() async throws {
        try await daemon.withDaemon { client in
            var after: Int64 = 0
            // The header waits for the first page: a job that does not exist prints nothing on
            // standard output, only the error.
            var headerWritten = format != .csv
            let dates = ISO8601DateFormatter()
            while true {
                let response = try await client.call(.report(ReportRequest(jobID: job, afterRecipientID: after)))
                guard case .report(let page) = response else { throw IPCError.unexpectedResponse(expected: "report", received: response.type) }
                var text = ""
                if !headerWritten {
                    text = "recipient_id,address,state,attempts,class,stage,code,enhanced_code,text,updated_at,interrupted_sends\n"
                    headerWritten = true
                }
                for row in page.rows where state == nil || row.state == state?.rawValue {
                    if format == .json {
                        text += encodeJSONLine(row)
                    } else {
                        let fields = [String(row.recipientID), row.address, row.state, String(row.attempts), row.lastClass ?? "", row.lastStage ?? "",
                                      row.lastCode.map(String.init) ?? "", row.lastEnhancedCode ?? "", row.lastText ?? "",
                                      row.updatedAt.map { dates.string(from: $0) } ?? "", String(row.interruptedSends ?? 0)]
                        text += fields.map(CSVField.quoted).joined(separator: ",") + "\n"
                    }
                }
                writeOut(text)
                guard let next = page.nextAfterRecipientID else { break }
                after = next
            }
        }
    }
}
