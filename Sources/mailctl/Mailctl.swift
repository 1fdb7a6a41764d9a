import ArgumentParser

/// The operator's tool: talks to maild, and works alone for checks that need no daemon.
@main
struct Mailctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailctl",
        abstract: "Control maild and check relays.",
        discussion: "Exit status: 0 when the command fully succeeded, 1 when a check or an operation failed, 64 for bad usage.",
        subcommands: [VerifyCommand.self, SinkCommand.self, ClassifyCommand.self,
                      SubmitCommand.self, StatusCommand.self, ListCommand.self, WatchCommand.self, PauseCommand.self, ResumeCommand.self,
                      CancelCommand.self, RetryFailedCommand.self, ReportCommand.self, PreviewCommand.self,
                      DKIMRecordCommand.self, DKIMKeygenCommand.self, SuppressCommand.self, UnsubscribeCommand.self]
    )
}
