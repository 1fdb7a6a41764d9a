import ArgumentParser
import DKIM
import Foundation

/// `mailctl dkim-record`: prints the DNS TXT record for an existing key, so an operator can
/// publish it, or compare it with what DNS serves (`dig TXT selector._domainkey.domain`).
struct DKIMRecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim-record",
        abstract: "Print the DNS TXT record that publishes a DKIM key.",
        discussion: """
        Reads the private key file maild signs with (PEM: PKCS#8 or traditional RSA, or Ed25519) \
        and prints the record name, its value, and a zone-file line with the value split into \
        255-byte strings. See docs/dkim.md.
        """
    )

    @Option(help: "The private key file (PEM), as in the account's dkim_key_file.")
    var key: String

    @Option(help: "The selector (s=), as in the account's dkim_selector, e.g. maild2025.")
    var selector: String

    @Option(help: "The signing domain (d=), as in the account's dkim_domain, e.g. example.org.")
    var domain: String

    func run() throws {
        do {
            let signingKey = try DKIMSigningKey(pemFile: key)
            let record = try signingKey.dnsRecord(selector: selector, domain: domain)
            DKIMRecordPrinter.print(record, key: signingKey)
        } catch let error as DKIMError {
            throw DKIMCommandFailure(message: error.description)
        }
    }
}

/// The same three lines for dkim-record and dkim-keygen.
enum DKIMRecordPrinter {
    static func print(_ record: DKIMDNSRecord, key: DKIMSigningKey) {
        Swift.print("name   \(record.name)")
        Swift.print("type   TXT")
        Swift.print("value  \(record.value)")
        Swift.print("zone   \(record.zoneFileLine)")
        if key.algorithm == .rsaSHA256, key.bits < 2048 {
            Swift.print("note   RSA \(key.bits) bits: large receivers expect 2048; make a new key with mailctl dkim-keygen")
        }
        if key.algorithm == .ed25519SHA256 {
            Swift.print("note   ed25519: not every receiver checks it yet; sign with an RSA key too (docs/dkim.md)")
        }
    }
}

/// A failure already worded for the operator: printed as is, exit status 1.
struct DKIMCommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
