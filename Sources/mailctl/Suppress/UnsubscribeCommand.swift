import ArgumentParser
import Foundation
import IPC

/// What an operator's unsubscribe handler calls with what the recipient's link or mailto
/// carried: maild checks the token against the address and suppresses it. Exit status 0 when
/// the address is suppressed (now or already), 1 when the token is refused.
struct UnsubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsubscribe",
        abstract: "Suppress a recipient who unsubscribed, after maild checks their token.",
        discussion: """
            TOKEN is the {{token}} from the recipient's unsubscribe URL, or from the subject \
            "unsubscribe TOKEN" of their mailto request; --email is the address from the URL \
            ({{email}}) or the request's From. Pass --job when the URL carries the job id: \
            without it maild looks through every job for the address.
            """)
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The recipient's unsubscribe token (43 characters).") var token: String
    @Option(help: "The recipient's address.") var email: String
    @Option(help: "The job whose message carried the token, if known.") var job: Int64?
    @Flag(help: "Print the answer as JSON.") var json = false

    func run() async throws {
        let request = Unsubscribe(token: token, address: email, jobID: job)
        let done = try await daemon.withDaemon { client in
            let response = try await client.call(.unsubscribe(request))
            guard case .unsubscribed(let done) = response else { throw IPCError.unexpectedResponse(expected: "unsubscribed", received: response.type) }
            return done
        }
        if json {
            writeOut(encodeJSONLine(done))
        } else {
            writeOut("\(done.address) \(done.alreadySuppressed ? "was already suppressed" : "unsubscribed") (job \(done.jobID)): later campaigns skip it\n")
        }
    }
}
