import ArgumentParser
import DKIM
import Foundation

/// `mailctl dkim-keygen`: makes a new DKIM private key with OpenSSL, writes it readable by its
/// owner only, and prints the record to publish before maild starts signing with it.
struct DKIMKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim-keygen",
        abstract: "Generate a DKIM private key file (mode 0600) and print its DNS record.",
        discussion: """
        The file is PKCS#8 PEM and is never overwritten if it exists. Publish the printed record, \
        wait for DNS to serve it, then set the account's dkim_key_file, dkim_selector and \
        dkim_domain. See docs/dkim.md.
        """
    )

    enum Algorithm: String, ExpressibleByArgument, CaseIterable {
        case rsa, ed25519
    }

    @Option(help: "rsa (rsa-sha256, 2048 bits, verified everywhere) or ed25519 (RFC 8463).")
    var algorithm: Algorithm = .rsa

    @Option(help: "RSA modulus size in bits (1024 to 4096).")
    var bits: Int = 2048

    @Option(help: "Where to write the new private key; must not exist.")
    var out: String

    @Option(help: "The selector for the printed record (default: maild).")
    var selector: String = "maild"

    @Option(help: "The domain for the printed record (default: example.org; give yours).")
    var domain: String = "example.org"

    func validate() throws {
        if algorithm == .rsa, !(1024...4096).contains(bits) {
            throw ValidationError("--bits \(bits): RSA DKIM keys are 1024 to 4096 bits; 2048 is the norm")
        }
    }

    func run() throws {
        do {
            let key = try DKIMSigningKey.generate(algorithm == .rsa ? .rsaSHA256 : .ed25519SHA256, rsaBits: bits)
            let record = try key.dnsRecord(selector: selector, domain: domain)
            try key.writePEM(toNewFile: out)
            print("wrote  \(out) (\(algorithm == .rsa ? "RSA \(bits) bits" : "Ed25519"), mode 0600)")
            DKIMRecordPrinter.print(record, key: key)
        } catch let error as DKIMError {
            throw DKIMCommandFailure(message: error.description)
        }
    }
}
