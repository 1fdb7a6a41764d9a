import Foundation
import SMTPServer
import Testing

/// What the delivery-policy tests need beyond `DaemonHarness`: account settings, campaigns with
/// chosen addresses and limits, job status as JSON, and the sliding-window check of the times
/// the SMTP server recorded.
extension DaemonHarness {
    /// Adds lines to `[account test]`, the configuration's last section.
    func addToAccount(_ lines: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: configurationPath))
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(("\n" + lines + "\n").utf8))
    }

    /// Inserts whole sections (`[provider google]` ...) before `[account test]`.
    func addSections(_ text: String) throws {
        var configuration = try String(contentsOfFile: configurationPath, encoding: .utf8)
        guard let range = configuration.range(of: "[account test]") else { throw HarnessError("no [account test] in \(configurationPath)") }
        configuration.insert(contentsOf: text + "\n\n", at: range.lowerBound)
        try configuration.write(toFile: configurationPath, atomically: true, encoding: .utf8)
    }

    /// A campaign to exactly these addresses, with the campaign's own `rate_limits` if given.
    func writeCampaign(addresses: [String], name: String, rateLimits: [String: Int]? = nil) throws -> String {
        var campaign: [String: Any] = [
            "name": name, "account": "test", "from": "Sender <sender@example.org>", "subject": "Hello {{first_name}}",
            "text": "Dear {{first_name}},\nthis is a test.\n",
            "recipients": addresses.enumerated().map { ["email": $1, "vars": ["first_name": "Reader \($0 + 1)"]] },
        ]
        if let rateLimits { campaign["rate_limits"] = rateLimits }
        let path = directory.appendingPathComponent("\(name).json").path
        try JSONSerialization.data(withJSONObject: campaign).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Submits a campaign file and returns the job id.
    func submitJob(_ campaign: String) async throws -> Int {
        let submit = try await mailctl(["submit", campaign])
        guard submit.status == 0, let id = Int(submit.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("submit failed (\(submit.status)): \(submit.standardOutput)\(submit.standardError)")
        }
        return id
    }

    func jobStatus(_ jobID: Int) async throws -> [String: Any] {
        let output = try await mailctl(["status", "\(jobID)", "--json"])
        guard let object = try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any] else {
            throw HarnessError("status \(jobID): \(output.standardOutput)\(output.standardError)")
        }
        return object
    }

    /// Polls the job until its state is one of `states`; `observe` sees every status on the way.
    @discardableResult
    func waitForPolicyJob(_ jobID: Int, states: Set<String> = ["completed"], timeout: Duration = .seconds(60),
                    observe: ([String: Any]) -> Void = { _ in }) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let status = try await jobStatus(jobID)
            observe(status)
            if let state = status["state"] as? String, states.contains(state) { return status }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("job \(jobID) did not reach \(states.sorted()) within \(timeout):\n\(try await jobStatus(jobID))\n\(daemonLog.suffix(3000))")
    }

    /// The report as JSON rows.
    func reportRows(_ jobID: Int) async throws -> [[String: Any]] {
        let output = try await mailctl(["report", "\(jobID)", "--format", "json"])
        return try output.standardOutput.split(separator: "\n").map { line in
            guard let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { throw HarnessError("report line \(line)") }
            return row
        }
    }

    /// Sends SIGHUP: maild reloads its configuration (and account secrets).
    func reloadConfiguration() {
        if let maild { Foundation.kill(maild.processIdentifier, SIGHUP) }
    }

    /// The most instants found in any window of `window` seconds (a window starts at each instant).
    static func mostInAnyWindow(_ instants: [Date], window: TimeInterval) -> Int {
        let sorted = instants.sorted()
        var most = 0
        var first = 0
        for last in sorted.indices {
            while sorted[last].timeIntervalSince(sorted[first]) >= window { first += 1 }
            most = max(most, last - first + 1)
        }
        return most
    }
}

func counts(_ status: [String: Any]) -> [String: Int] {
    (status["counts"] as? [String: Any])?.compactMapValues { $0 as? Int } ?? [:]
}
