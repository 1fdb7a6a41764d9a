import Foundation
import Logging

/// Chooses where logs go, once, at startup: journald's native protocol when stderr is the
/// journal (structured fields survive), readable lines on stderr otherwise.
public enum DaemonLogging {
    public static func bootstrap(level: Logger.Level) {
        let toJournal = JournalLogHandler.stderrIsJournal()
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = toJournal ? JournalLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
