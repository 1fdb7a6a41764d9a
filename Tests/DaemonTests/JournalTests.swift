import Foundation
import SMTP
import SMTPServer
import Testing

/// maild's log as operators read it: structured entries in a real systemd-journald (isolated in
/// a private mount namespace, so the machine's journal is never touched), and plain lines on
/// stderr when stderr is not the journal.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct JournalTests {
    static let password = "Jrnl-secret-7Qx!pw"

    @Test func deliveryAttemptsAreStructuredJournalEntriesAndTheSecretIsNowhere() async throws {
        try #require(getuid() == 0, "journald in a private mount namespace needs root")
        try #require(FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd-journald"),
                     "install Debian's systemd package (scripts/install-deps.sh does)")
        let authentication = ServerAuthentication(mechanisms: [.plain], passwords: ["sender": Self.password], isRequired: true)
        let harness = try await DaemonHarness(relay: SMTPServerConfiguration(authentication: authentication, recordLimit: nil), concurrency: 1)
        defer { Task { await harness.stop() } }
        // The secret arrives the systemd way: a credential in $CREDENTIALS_DIRECTORY.
        let credentials = harness.directory.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        try (Self.password + "\n").write(to: credentials.appendingPathComponent("maild_test"), atomically: true, encoding: .utf8)
        try harness.editConfiguration {
            $0.replacingOccurrences(of: "tls = none", with: """
                tls = none
                auth = plain
                allow_plaintext_auth = yes
                username = sender
                password_credential = maild_test
                """)
        }
        let script = harness.directory.appendingPathComponent("journal.sh")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        let maild = DaemonHarness.binary("maild").path
        let namespace = Process()
        let command = DaemonHarness.reaper + ["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", script.path,
                                              harness.directory.path, maild, "--config", harness.configurationPath, "--log-level", "debug"]
        namespace.executableURL = URL(fileURLWithPath: command[0])
        namespace.arguments = Array(command.dropFirst())
        namespace.environment = DaemonHarness.daemonEnvironment(["CREDENTIALS_DIRECTORY": credentials.path])
        _ = FileManager.default.createFile(atPath: harness.logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: harness.logFile)
        namespace.standardOutput = log
        namespace.standardError = log
        namespace.standardInput = FileHandle.nullDevice
        try namespace.run()
        defer { Self.killLeftovers(in: harness.directory) }

        try await harness.waitUntilServing(namespace)
        let jobID = try await harness.submit(try harness.writeCampaign(count: 3))
        #expect(jobID == "1", "the script's JOB_ID=1 query assumes the first job")
        let watch = try await harness.mailctl(["watch", jobID])
        #expect(watch.standardOutput.contains("completed: 3 sent, 0 failed"), "\(watch.standardOutput)\(harness.daemonLog)")

        let pid = try #require(Int32((try String(contentsOf: harness.directory.appendingPathComponent("maild.pid"), encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(pid, SIGTERM)
        try await waitUntil(.seconds(30), "maild, journalctl and journald to finish") { !namespace.isRunning }
        #expect(namespace.terminationStatus == 0, "\(harness.daemonLog)")

        let entries = try Self.entries(harness.directory.appendingPathComponent("job.json"))
        let attempts = entries.filter { $0["MESSAGE"] == "delivery attempt" }
        #expect(attempts.count == 3, "\(entries.map { $0["MESSAGE"] ?? "" })")
        for attempt in attempts {
            #expect(attempt["JOB_ID"] == "1")
            #expect(attempt["RECIPIENT"]?.hasSuffix("@example.com") == true)
            #expect(attempt["ACCOUNT"] == "test")
            #expect(attempt["PROVIDER"] == "default")
            #expect(attempt["SMTP_CODE"] == "250")
            #expect(attempt["SMTP_ENHANCED"] != nil)
            #expect(attempt["ATTEMPT"] == "1")
            #expect(attempt["CLASS"] == "success")
            #expect(attempt["PRIORITY"] == "7")
            #expect(attempt["SYSLOG_IDENTIFIER"] == "maild")
        }
        #expect(Set(attempts.compactMap { $0["RECIPIENT"] }).count == 3)
        let completed = try #require(entries.first { $0["MESSAGE"] == "job completed" })
        #expect(completed["PRIORITY"] == "6")
        #expect(completed["SENT"] == "3")

        // Every field of every entry, maild's own and the stdout/stderr stream alike.
        let everything = try Data(contentsOf: harness.directory.appendingPathComponent("all.export"))
        #expect(everything.count > 1000)
        let exported = String(decoding: everything, as: UTF8.self)
        #expect(exported.contains("MESSAGE=delivery attempt"))
        #expect(!exported.contains(Self.password), "the account password is in the journal")
        let plain = Data("\u{0}sender\u{0}\(Self.password)".utf8).base64EncodedString()
        #expect(!exported.contains(plain), "the AUTH PLAIN response is in the journal")
        #expect(!harness.daemonLog.contains(Self.password))
    }

    @Test func withoutJournalStreamTheLogIsPlainLinesOnStandardError() async throws {
        let harness = try await DaemonHarness(concurrency: 1)
        defer { Task { await harness.stop() } }
        // JOURNAL_STREAM naming something other than stderr (a service whose stderr was
        // redirected to a file) must not switch to the native protocol.
        let process = try harness.launchDaemon(environment: ["JOURNAL_STREAM": "1:1"])
        try await harness.waitUntilServing(process)
        let jobID = try await harness.submit(try harness.writeCampaign(count: 2))
        _ = try await harness.mailctl(["watch", jobID])
        let lines = harness.daemonLog.split(separator: "\n")
        let attempts = lines.filter { $0.contains("delivery attempt") }
        #expect(attempts.count == 2, "\(harness.daemonLog)")
        for line in attempts {
            #expect(line.contains("job_id=\(jobID)"))
            #expect(line.contains("smtp_code=250"))
            #expect(line.contains("account=test"))
            #expect(line.contains("debug"))
        }
        #expect(lines.contains { $0.contains("info") && $0.contains("job completed") })
        #expect(!harness.daemonLog.contains("MESSAGE="))
    }

    /// Runs inside `unshare -m`: tmpfs over journald's folders, journald, then maild with its
    /// stderr connected to journald the way systemd connects a service (systemd-cat), and
    /// JOURNAL_STREAM set the way systemd sets it; afterwards the journal is exported.
    static let script = #"""
        set -eu
        dir=$1; shift
        mkdir -p /run/systemd /run/log
        mount -t tmpfs tmpfs /run/systemd
        mount -t tmpfs tmpfs /run/log
        if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
        /lib/systemd/systemd-journald &
        echo $! > "$dir/journald.pid"
        i=0
        while [ ! -S /run/systemd/journal/socket ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
        [ -S /run/systemd/journal/socket ]
        systemd-cat -t maild-stdio /bin/sh -c 'echo $$ > "$0/maild.pid"; JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); export JOURNAL_STREAM; exec "$@"' "$dir" "$@"
        journalctl --sync
        journalctl -D /run/log/journal -o json SYSLOG_IDENTIFIER=maild JOB_ID=1 > "$dir/job.json"
        journalctl -D /run/log/journal -o json SYSLOG_IDENTIFIER=maild > "$dir/maild.json"
        journalctl -D /run/log/journal -o export > "$dir/all.export"
        kill "$(cat "$dir/journald.pid")"
        wait
        """#

    /// journalctl -o json: one object per line; values are strings (binary ones are arrays).
    static func entries(_ file: URL) throws -> [[String: String]] {
        let text = try String(contentsOf: file, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return object.compactMapValues { $0 as? String }
        }
    }

    /// After a failure: the daemon and journald this test started, checked by command line so
    /// a reused pid is never hit.
    static func killLeftovers(in directory: URL) {
        for (name, command) in [("maild.pid", "maild"), ("journald.pid", "systemd-journald")] {
            guard let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8),
                  let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let commandLine = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                  commandLine.contains(command) else { continue }
            kill(pid, SIGKILL)
        }
    }
}
