import ArgumentParser
import Foundation
import IPC

/// What an operator's unsubscribe handler calls with what the recipient's link or mailto
/// carried: maild checks the token against the address and suppresses it. The exit status
/// tells a handler what to do next: 0 suppressed (now or already), 1 refused (a bad token or
/// address: do not retry), 75 (EX_TEMPFAIL) maild could not be asked or could not answer
/// (retry later: nothing was changed), 69 (EX_UNAVAILABLE) maild is too old for it.
struct UnsubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsubscribe",
        abstract: "Suppress a recipient who unsubscribed, after maild checks their token.",
        discussion: """
            --token is the {{token}} from the recipient's unsubscribe URL, or from the subject \
            "unsubscribe TOKEN" of their mailto request; --email is the address from the URL \
            ({{email}}) or the request's From. Pass --job when the URL carries the job id: \
            without it maild looks through every job for the address. Both values are taken \
            as given even when they begin with "-" (a token does one time in 64).
            """)
    @OptionGroup var daemon: DaemonOptions
    // `.unconditional`: a base64url token may begin with "-" (and "-h..." would otherwise be
    // read as --help and exit 0, telling a handler the recipient was unsubscribed).
    @Option(parsing: .unconditional, help: "The recipient's unsubscribe token (43 characters of base64url).") var token: String
    @Option(parsing: .unconditional, help: "The recipient's address.") var email: String
    @Option(help: "The job whose message carried the token, if known.") var job: Int64?
    @Flag(help: "Print the answer as JSON.") var json = false

    func run() async throws {
        let request = Unsubscribe(token: token, address: email, jobID: job)
        let done: Unsubscribed
        do {
            done = try await IPCClient.withConnection(socketPath: daemon.socketPath) { client in
                let response = try await client.call(.unsubscribe(request))
                guard case .unsubscribed(let done) = response else { throw IPCError.unexpectedResponse(expected: "unsubscribed", received: response.type) }
                return done
            }
        } catch IPCError.remote(let failure) where failure.code == .permissionDenied || failure.code == .badRequest {
            printError("mailctl: \(failure.message)")
            throw ExitCode(1)
        } catch IPCError.remote(let failure) where failure.code == .unknownRequest {
            printError("mailctl: this maild does not know unsubscribe (it is older than mailctl): upgrade maild; nothing was changed")
            throw ExitCode(69)
        } catch {
            printError("mailctl: \(error); nothing was changed: try again later")
            throw ExitCode(75)
        }
        if json {
            writeOut(encodeJSONLine(done))
        } else {
            writeOut("\(done.address) \(done.alreadySuppressed ? "was already suppressed" : "unsubscribed") (job \(done.jobID)): later campaigns skip it\n")
        }
    }
}
