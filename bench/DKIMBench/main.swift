import DKIM
import Foundation

// Signs many ~2 KB messages on one core with a fresh RSA-2048 and Ed25519 key and prints
// messages per second. With --out DIR it also leaves the keys, their DNS records and one signed
// sample per algorithm there, so bench/dkim-sign.sh can time dkimpy on the same message and
// check that it verifies ours.

struct Options {
    var rsaCount = 20_000
    var ed25519Count = 100_000
    var outDirectory: String?

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rsa": rsaCount = iterator.next().flatMap(Int.init) ?? rsaCount
            case "--ed25519": ed25519Count = iterator.next().flatMap(Int.init) ?? ed25519Count
            case "--out": outDirectory = iterator.next()
            default:
                FileHandle.standardError.write(Data("usage: dkim-bench [--rsa N] [--ed25519 N] [--out DIR]\n".utf8))
                exit(64)
            }
        }
    }
}

/// A realistic ~2 KB newsletter: the usual headers, a quoted-printable text part and an HTML
/// part. The recipient number sits at a fixed offset so each iteration signs a different
/// message without re-rendering.
func makeMessage() -> (bytes: [UInt8], counterRange: Range<Int>) {
    let head = """
    From: "Example News" <news@example.org>\r
    To: "Reader 0000000" <reader0000000@example.net>\r
    """
    var text = head + """

    Subject: =?UTF-8?Q?Des_nouvelles_de_l=E2=80=99=C3=A9quipe?= this week\r
    Date: Sun, 23 Nov 2025 12:00:00 +0000\r
    Message-ID: <20251123120000.abcdef@example.org>\r
    MIME-Version: 1.0\r
    List-Unsubscribe: <https://example.org/u/0123456789abcdef>, <mailto:unsub@example.org?subject=u>\r
    List-Unsubscribe-Post: List-Unsubscribe=One-Click\r
    Feedback-ID: campaign42:news:example\r
    Content-Type: multipart/alternative; boundary="b1"\r
    \r
    --b1\r
    Content-Type: text/plain; charset=utf-8\r
    Content-Transfer-Encoding: quoted-printable\r
    \r

    """
    for line in 0..<12 { text += "Line \(line) of the plain text part, with enough words to look like a real paragraph.\r\n" }
    text += "--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    for line in 0..<8 { text += "<p>Paragraph \(line) of the <b>HTML</b> part, styled   and   spaced.</p>   \r\n" }
    text += "--b1--\r\n\r\n"
    let bytes = Array(text.utf8)
    let marker = Array("reader0000000".utf8)
    let start = (0...(bytes.count - marker.count)).first { Array(bytes[$0..<($0 + marker.count)]) == marker } ?? 0
    return (bytes, (start + 6)..<(start + 13))
}

func setCounter(_ value: Int, in message: inout [UInt8], at range: Range<Int>) {
    var remaining = value
    for index in range.reversed() {
        message[index] = UInt8(0x30 + remaining % 10)
        remaining /= 10
    }
}

func run(_ name: String, key: DKIMSigningKey, count: Int, outDirectory: String?) throws {
    let signer = try DKIMSigner(domain: "example.org", selector: "bench", key: key)
    var (message, counter) = makeMessage()
    let now = Date()
    var checksum = 0
    // Warm-up: first-use provider fetches and page faults are not what we measure.
    for index in 0..<min(100, count) { checksum &+= try signer.sign(message: message, at: now).count &+ index }
    let clock = ContinuousClock()
    let start = clock.now
    for index in 0..<count {
        setCounter(index, in: &message, at: counter)
        checksum &+= try signer.sign(message: message, at: now).count
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(count) / seconds
    print(String(format: "%@: %d messages of %d bytes in %.2f s: %.0f messages/s (%.1f us each) [checksum %d]",
                 name, count, message.count, seconds, rate, seconds / Double(count) * 1e6, checksum))
    if let outDirectory {
        let base = URL(fileURLWithPath: outDirectory)
        try Data(try key.privateKeyPEM()).write(to: base.appendingPathComponent("\(name).key"))
        try Data(try signer.signed(message: message, at: Date())).write(to: base.appendingPathComponent("\(name).eml"))
        let record = try key.dnsRecord(selector: "bench", domain: "example.org")
        try Data(record.value.utf8).write(to: base.appendingPathComponent("\(name).txt"))
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
do {
    try run("rsa-2048", key: try DKIMSigningKey.generate(.rsaSHA256, rsaBits: 2048), count: options.rsaCount, outDirectory: options.outDirectory)
    try run("ed25519", key: try DKIMSigningKey.generate(.ed25519SHA256), count: options.ed25519Count, outDirectory: options.outDirectory)
} catch {
    FileHandle.standardError.write(Data("dkim-bench: \(error)\n".utf8))
    exit(1)
}
