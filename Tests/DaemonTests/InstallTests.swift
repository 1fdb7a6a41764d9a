import Foundation
import TestSupport
import Testing

/// The files operators install: units that systemd accepts, a hardening score that stays
/// where docs/operations.md says it is, and `make install` putting everything in place.
///
/// The suite never builds in release mode (that would be a second full build inside the test
/// run): `make install BUILD_DIR=...` installs the debug binaries this test bundle was built
/// with, and `make -n install` checks the recipe that builds release binaries and man pages.
/// `make check-install` does the whole thing for real (CI).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct InstallTests {
    static let repository = RepositoryPaths.root
    static let systemdAnalyze = "/usr/bin/systemd-analyze"

    /// Copies of the units whose ExecStart names `maild` (verify fails on a missing binary).
    static func unitCopies(in directory: URL, maild: String, service: URL, socket: URL) throws -> (service: String, socket: String) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let text = try String(contentsOf: service, encoding: .utf8)
        let execStart = try #require(text.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let binary = try #require(execStart.dropFirst("ExecStart=".count).split(separator: " ").first)
        let servicePath = directory.appendingPathComponent("maild.service").path
        try text.replacingOccurrences(of: "ExecStart=\(binary) ", with: "ExecStart=\(maild) ")
            .write(toFile: servicePath, atomically: true, encoding: .utf8)
        let socketPath = directory.appendingPathComponent("maild.socket").path
        try String(contentsOf: socket, encoding: .utf8).write(toFile: socketPath, atomically: true, encoding: .utf8)
        return (servicePath, socketPath)
    }

    @Test func unitsPassSystemdAnalyzeVerifyWithoutAWarning() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.systemdAnalyze), "install Debian's systemd package")
        let scratch = URL(fileURLWithPath: "/tmp/maild-units-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let units = try Self.unitCopies(in: scratch, maild: DaemonHarness.binary("maild").path,
                                        service: Self.repository.appendingPathComponent("systemd/maild.service"),
                                        socket: Self.repository.appendingPathComponent("systemd/maild.socket"))
        // --man=no: the man pages Documentation= names exist only once installed (make
        // check-install verifies with them).
        let verify = try await runTool(Self.systemdAnalyze, ["verify", "--man=no", units.service, units.socket])
        #expect(verify.status == 0, "\(verify.errors)")
        #expect(verify.errors.isEmpty, "systemd-analyze verify warns:\n\(verify.errors)")
        #expect(verify.output.isEmpty, "\(verify.output)")
    }

    @Test func hardeningScoreIsTheOneTheDocsReport() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.systemdAnalyze), "install Debian's systemd package")
        let scratch = URL(fileURLWithPath: "/tmp/maild-units-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let units = try Self.unitCopies(in: scratch, maild: DaemonHarness.binary("maild").path,
                                        service: Self.repository.appendingPathComponent("systemd/maild.service"),
                                        socket: Self.repository.appendingPathComponent("systemd/maild.socket"))
        // Exposure 1.2 ("OK") is as low as maild can go: what remains is network access, Unix
        // sockets, other users' uids (SO_PEERCRED) and the host's root directory.
        let security = try await runTool(Self.systemdAnalyze, ["security", "--offline=yes", "--threshold=12", units.service])
        #expect(security.status == 0, "\(security.output)\(security.errors)")
        let overall = try #require(security.output.split(separator: "\n").first { $0.contains("Overall exposure level") })
        #expect(overall.contains(": 1.2 OK"), "\(overall)")
        let operations = try String(contentsOf: Self.repository.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        #expect(operations.contains("1.2 OK"), "docs/operations.md must report the score systemd-analyze gives")
    }

    /// The snippets applied the way installation applies them, into a scratch root.
    @Test func sysusersAndTmpfilesSnippetsCreateTheUserAndItsFolders() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-sysusers"), "install Debian's systemd package")
        let root = URL(fileURLWithPath: "/tmp/maild-sysroot-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let sysusers = try await runTool("/usr/bin/systemd-sysusers",
                                         ["--root=\(root.path)", Self.repository.appendingPathComponent("systemd/sysusers.d/maild.conf").path])
        #expect(sysusers.status == 0, "\(sysusers.errors)")
        let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
        let entry = try #require(passwd.split(separator: "\n").first { $0.hasPrefix("maild:") }, "\(passwd)")
        let fields = entry.split(separator: ":", omittingEmptySubsequences: false)
        let uid = try #require(Int(fields[2]))
        #expect(uid > 0 && uid < 1000, "a system user: \(entry)")
        #expect(fields[5] == "/var/lib/maild")
        let group = try String(contentsOf: root.appendingPathComponent("etc/group"), encoding: .utf8)
        #expect(group.split(separator: "\n").contains { $0.hasPrefix("maild:") })

        let tmpfiles = try await runTool("/usr/bin/systemd-tmpfiles",
                                         ["--root=\(root.path)", "--create", Self.repository.appendingPathComponent("systemd/tmpfiles.d/maild.conf").path])
        #expect(tmpfiles.status == 0, "\(tmpfiles.errors)")
        for (path, mode, owner) in [("run/maild", 0o750, uid), ("var/lib/maild", 0o750, uid), ("etc/maild", 0o750, 0), ("etc/maild/credentials", 0o700, 0)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(path).path)
            #expect(attributes[.posixPermissions] as? Int == mode, "\(path)")
            #expect((attributes[.ownerAccountID] as? NSNumber)?.intValue == owner, "\(path)")
        }
    }

    @Test func makeInstallPutsEveryFileInPlaceAndKeepsTheOperatorsConfiguration() async throws {
        let root = URL(fileURLWithPath: "/tmp/maild-install-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let binaries = DaemonHarness.binary("maild").deletingLastPathComponent().path
        let arguments = ["-C", Self.repository.path, "install", "DESTDIR=\(root.path)", "PREFIX=/usr", "BUILD_DIR=\(binaries)"]
        let install = try await runTool("/usr/bin/make", arguments)
        #expect(install.status == 0, "\(install.output)\(install.errors)")

        let docs = try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "usr/share/doc/maild/\($0)" }
        let expected = Set([
            "usr/bin/maild", "usr/bin/mailctl",
            "usr/lib/systemd/system/maild.service", "usr/lib/systemd/system/maild.socket",
            "usr/lib/sysusers.d/maild.conf", "usr/lib/tmpfiles.d/maild.conf",
            "etc/maild/maild.conf",
            "usr/share/doc/maild/examples/maild.conf.example", "usr/share/doc/maild/examples/classification.rules",
            "usr/share/doc/maild/examples/providers.conf",
        ] + docs)
        #expect(try Self.files(under: root) == expected)
        let credentials = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent("etc/maild/credentials").path)
        #expect((credentials[.posixPermissions] as? Int) == 0o700)
        let service = try String(contentsOf: root.appendingPathComponent("usr/lib/systemd/system/maild.service"), encoding: .utf8)
        #expect(service.contains("ExecStart=/usr/bin/maild --config /etc/maild/maild.conf\n"))
        #expect(!service.contains("/usr/local"))
        let help = try await runTool(root.appendingPathComponent("usr/bin/maild").path, ["--help"])
        #expect(help.status == 0 && help.output.contains("--check-config"))

        // An upgrade: the operator's maild.conf stays as it is.
        let configuration = root.appendingPathComponent("etc/maild/maild.conf")
        try "# the operator's own\n".write(to: configuration, atomically: true, encoding: .utf8)
        let again = try await runTool("/usr/bin/make", arguments)
        #expect(again.status == 0, "\(again.errors)")
        #expect(try String(contentsOf: configuration, encoding: .utf8) == "# the operator's own\n")

        // The installed units, pointed at the installed binary, pass verify.
        if FileManager.default.isExecutableFile(atPath: Self.systemdAnalyze) {
            let units = try Self.unitCopies(in: root.appendingPathComponent("verify"), maild: root.appendingPathComponent("usr/bin/maild").path,
                                            service: root.appendingPathComponent("usr/lib/systemd/system/maild.service"),
                                            socket: root.appendingPathComponent("usr/lib/systemd/system/maild.socket"))
            let verify = try await runTool(Self.systemdAnalyze, ["verify", "--man=no", units.service, units.socket])
            #expect(verify.status == 0 && verify.errors.isEmpty, "\(verify.errors)")
        }
    }

    @Test func plainMakeInstallBuildsReleaseBinariesAndManPagesFirst() async throws {
        let dry = try await runTool("/usr/bin/make", ["-n", "-C", Self.repository.path, "install", "DESTDIR=/tmp/maild-dry", "PREFIX=/usr"])
        #expect(dry.status == 0, "\(dry.errors)")
        let lines = dry.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        func position(_ fragment: String) -> Int? { lines.firstIndex { $0.contains(fragment) } }
        let release = try #require(position("swift build -c release"), "\(dry.output)")
        let manual = try #require(position("generate-manual --configuration release"), "\(dry.output)")
        let section8 = try #require(position("generate-manual --configuration release --section 8"), "\(dry.output)")
        let binaries = try #require(position("install -m 0755 .build/release/maild .build/release/mailctl /tmp/maild-dry/usr/bin/"), "\(dry.output)")
        #expect(release < manual && manual <= section8 && section8 < binaries)
        #expect(position("plugins/GenerateManual/outputs/maild/maild.8 /tmp/maild-dry/usr/share/man/man8/maild.8") != nil, "\(dry.output)")
        #expect(position("plugins/GenerateManual/outputs/mailctl/mailctl.1 /tmp/maild-dry/usr/share/man/man1/mailctl.1") != nil, "\(dry.output)")
    }

    static func files(under root: URL) throws -> Set<String> {
        var found: Set<String> = []
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return found }
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isDirectory), !isDirectory.boolValue {
                found.insert(relative)
            }
        }
        return found
    }
}
