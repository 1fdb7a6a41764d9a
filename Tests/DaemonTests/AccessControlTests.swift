import Foundation
import Testing

/// Who may use the control socket, checked with real processes of another uid (setpriv):
/// the socket's mode and group, and a client group member who sees and controls only the
/// jobs it submitted.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct AccessControlTests {
    static var canSwitchUsers: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") && getgrnam("nogroup") != nil
    }

    static let clientGroupSettings = """
    socket_mode = 0660
    socket_group = nogroup
    client_group = nogroup
    """

    @Test func theSocketHasTheConfiguredModeAndGroup() async throws {
        guard Self.canSwitchUsers else { return }
        let harness = try await DaemonHarness(daemonSettings: Self.clientGroupSettings)
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        var information = stat()
        #expect(stat(harness.socketPath, &information) == 0)
        #expect(information.st_mode & 0o777 == 0o660)
        #expect(information.st_gid == getgrnam("nogroup")?.pointee.gr_gid)
        #expect(information.st_mode & S_IFMT == S_IFSOCK)
    }

    @Test func aClientSeesAndControlsOnlyItsOwnJobs() async throws {
        guard Self.canSwitchUsers else { return }
        let harness = try await DaemonHarness(daemonSettings: Self.clientGroupSettings)
        defer { Task { await harness.stop() } }
        try await harness.startDaemon()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: harness.directory.path)

        let adminCampaign = try harness.writeCampaign(count: 3, sendAt: "2099-01-01T00:00:00Z", name: "admin")
        let adminSubmit = try await harness.mailctl(["submit", adminCampaign])
        #expect(adminSubmit.status == 0, "\(adminSubmit.standardError)")
        let adminJob = adminSubmit.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        let clientCampaign = try harness.writeCampaign(count: 2, sendAt: "2099-01-01T00:00:00Z", name: "client")
        let clientSubmit = try await harness.mailctl(["submit", clientCampaign], asUser: 65534)
        #expect(clientSubmit.status == 0, "\(clientSubmit.standardError)")
        let clientJob = clientSubmit.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(clientJob) != nil && clientJob != adminJob)

        // The client's list holds its own job only; the admin's holds both.
        let clientList = try await harness.mailctl(["list", "--all", "--json"], asUser: 65534)
        let clientJobs = try Self.jobIDs(clientList.standardOutput)
        #expect(clientJobs == [Int(clientJob)])
        let adminList = try await harness.mailctl(["list", "--all", "--json"])
        #expect(Set(try Self.jobIDs(adminList.standardOutput)) == Set([Int(adminJob), Int(clientJob)]))

        // Reading or controlling someone else's job is refused, and the job is untouched.
        for command in [["status", adminJob], ["report", adminJob], ["cancel", adminJob], ["pause", adminJob], ["retry-failed", adminJob], ["watch", adminJob]] {
            let attempt = try await harness.mailctl(command, asUser: 65534)
            #expect(attempt.status == 1, "\(command): \(attempt.standardOutput)")
            #expect(attempt.standardError.contains("job \(adminJob)"), "\(command): \(attempt.standardError)")
        }
        let adminStatus = try await harness.mailctl(["status", adminJob, "--json"])
        #expect(adminStatus.standardOutput.contains("\"state\":\"scheduled\""), "\(adminStatus.standardOutput)")

        // Admin-only requests are refused to a client.
        let verify = try await harness.mailctl(["verify", "test"], asUser: 65534)
        #expect(verify.status == 1)
        #expect(verify.standardError.contains("admin"), "\(verify.standardError)")

        // The client controls its own job; the admin controls it too.
        let ownCancel = try await harness.mailctl(["cancel", clientJob, "--json"], asUser: 65534)
        #expect(ownCancel.standardOutput.contains("\"state\":\"cancelled\""), "\(ownCancel.standardOutput)\(ownCancel.standardError)")
        let adminCancel = try await harness.mailctl(["cancel", adminJob, "--json"])
        #expect(adminCancel.standardOutput.contains("\"state\":\"cancelled\""))
    }

    static func jobIDs(_ json: String) throws -> [Int] {
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        return array.compactMap { $0["job_id"] as? Int }
    }
}
