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
}
