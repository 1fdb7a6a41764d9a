import Daemon
import Foundation
import Testing

/// maild.conf as operators actually save it: line endings from other systems, and values that
/// parse but could never work, each refused on its line with the key.
struct ConfigurationFileTests {
    private func parse(_ text: String) throws(ConfigurationError) -> DaemonConfiguration {
        try DaemonConfiguration.parse(text, path: "/tmp/conf-test/maild.conf")
    }

    /// Swift reads "\r\n" as one Character: a file saved on Windows used to be one long line.
    @Test func crlfLineEndingsReadLikeLF() throws {
        let text = "[daemon]\r\nsocket = ./s.sock\r\n# comment\r\n\r\n[account a]\r\nhost = x\r\nport = 2525\r\n"
        let configuration = try parse(text)
        #expect(configuration.socketPath == "/tmp/conf-test/s.sock")
        #expect(configuration.accounts["a"]?.host == "x")
        #expect(configuration.accounts["a"]?.port == 2525)
    }

    @Test func crlfProblemsKeepTheirLineNumbers() {
        let text = "[daemon]\r\nsocket = ./s.sock\r\n[account a]\r\nhost = x\r\nport = many\r\n"
        #expect {
            try parse(text)
        } throws: { error in
            "\(error)".contains("maild.conf:5: port:")
        }
    }

    /// Values that used to pass `--check-config` and then broke every send, each refused on
    /// its own line with its key.
    @Test(arguments: [
        ("[daemon]\nhostname = bad host name\n[account a]\nhost = x", 2, "hostname: hostname \"bad host name\" cannot be used in a Message-ID"),
        ("[account a]\nhost = x\nconnect_timeout = 0s", 3, "connect_timeout: must be longer than 0s"),
        ("[account a]\nhost = x\ncommand_timeout = 0s", 3, "command_timeout: must be longer than 0s"),
        ("[account a]\nhost = x\ndata_timeout = 0m", 3, "data_timeout: must be longer than 0s"),
        ("[account a]\nhost = exa mple.com", 2, "host: \"exa mple.com\" is not an IP address or a host name"),
        ("[account a]\nhost = relay.example.com:587", 2, "host: \"relay.example.com:587\""),
        ("[account a]\n\nhost = a..b", 3, "host: \"a..b\""),
        ("[account a]\nhost = x\nhelo = bad name", 3, "helo: \"bad name\" is not a host name"),
        ("[account a]\nhost = x\nhelo = [300.1.1.1]", 3, "helo: \"[300.1.1.1]\""),
    ])
    func unusableValuesAreRefusedOnTheirLine(text: String, line: Int, message: String) {
        #expect {
            try parse(text)
        } throws: { error in
            "\(error)".contains("maild.conf:\(line): \(message)")
        }
    }

    @Test(arguments: ["127.0.0.1", "::1", "localhost", "smtp.gmail.com", "email-smtp.eu-west-1.amazonaws.com", "xn--bcher-kva.example",
                      "mailhog_1", "smtp.example.com.", "fe80::1%eth0"])
    func usableHostsAreAccepted(host: String) throws {
        let configuration = try parse("[account a]\nhost = \(host)\nconnect_timeout = 1s\ncommand_timeout = 2m")
        #expect(configuration.accounts["a"]?.host == host)
    }

    @Test(arguments: ["mail.example.com", "localhost", "[192.0.2.1]", "[IPv6:2001:db8::1]"])
    func usableHeloNamesAreAccepted(helo: String) throws {
        let configuration = try parse("[account a]\nhost = x\nhelo = \(helo)")
        #expect(configuration.accounts["a"]?.heloName == helo)
    }

    /// sun_path holds 108 bytes with the NUL on Linux: a longer socket path used to pass the
    /// check and make every start fail with `unixDomainSocketPathTooLong`.
    @Test func socketPathsLongerThanAUnixSocketAllowsAreRefused() throws {
        let fits = "/tmp/" + String(repeating: "s", count: 102)
        #expect(try parse("[daemon]\nsocket = \(fits)\n[account a]\nhost = x").socketPath == fits)
        let long = fits + "s"
        #expect {
            try parse("[daemon]\n\nsocket = \(long)\n[account a]\nhost = x")
        } throws: { error in
            "\(error)".contains("maild.conf:3: socket: the path \(long) is 108 bytes, longer than the 107 a Unix socket path may have")
        }
    }

    @Test func checkConfigRefusesALongSocketPathAsAConfigurationError() async throws {
        let directory = URL(fileURLWithPath: "/tmp/maild-conf-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("maild.conf").path
        let socket = String(repeating: "d/", count: 60) + "maild.sock"
        try "[daemon]\nsocket = \(socket)\ndatabase = q.db\n[account a]\nhost = 127.0.0.1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let check = try await runTool(DaemonHarness.binary("maild").path, ["--check-config", "--config", path])
        #expect(check.status == 78, "\(check.output)\(check.errors)")
        #expect(check.errors.contains("\(path):2: socket: the path"), "\(check.errors)")
        #expect(!check.errors.contains("unixDomainSocketPathTooLong"), "\(check.errors)")
    }
}
