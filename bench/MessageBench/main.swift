import DKIM
import Foundation
import Message

// message-bench: renders personalized ~2 KB messages (one variable in the subject and the
// body, no attachment) through MessageComposer on one core and prints messages per second.
// Usage: message-bench [MESSAGES] [--dkim rsa-2048|ed25519]   (default 100000). With --dkim
// every rendered message is also signed, as the daemon does before sending.
// bench/message-render.sh runs it beside Python's email package doing the same work
// (bench/python_email_render.py).

let arguments = Array(CommandLine.arguments.dropFirst())
let count = arguments.first.flatMap { Int($0) } ?? 100_000
let dkimAlgorithm: String? = arguments.firstIndex(of: "--dkim").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
let signer: DKIMSigner?
do {
    switch dkimAlgorithm {
    case nil: signer = nil
    case "rsa-2048": signer = try DKIMSigner(domain: "example.com", selector: "bench", key: DKIMSigningKey.generate(.rsaSHA256, rsaBits: 2048))
    case "ed25519": signer = try DKIMSigner(domain: "example.com", selector: "bench", key: DKIMSigningKey.generate(.ed25519SHA256))
    case let other?:
        FileHandle.standardError.write(Data("message-bench: --dkim \(other): expected rsa-2048 or ed25519\n".utf8))
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("message-bench: \(error)\n".utf8))
    exit(1)
}

/// The same body text bench/python_email_render.py builds.
let lines = (1...15).map { "Line \($0): The quick brown fox jumps over the lazy dog while the newsletter explains what happened." }
let body = "Hello {{first_name}},\n\n" + lines.joined(separator: "\n") + "\n\nSee you next month,\nThe Example team\n"

let spec = CampaignSpec(name: "bench", account: "bench", from: CampaignMailbox(name: "Example News", address: "news@example.com"),
                        subject: "News for you, {{first_name}}", text: body)
let composer: MessageComposer
do {
    composer = try MessageComposer(spec: spec)
} catch {
    FileHandle.standardError.write(Data("message-bench: \(error)\n".utf8))
    exit(1)
}
let recipients = (0..<1000).map { index in
    CampaignRecipient(address: "user\(index)@example.com", name: "User \(index)", variables: ["first_name": "Name\(index)"])
}
let secret = Array("bench secret key".utf8)
let date = Date(timeIntervalSince1970: 1_751_360_400)

/// CPU seconds of this process: on a shared machine the wall clock also counts time spent
/// waiting for a core, so both figures are printed.
func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

var totalBytes = 0
let clock = ContinuousClock()
let cpuStart = cpuSeconds()
let start = clock.now
do {
    for index in 0..<count {
        let context = RenderContext(jobID: 1, recipientID: Int64(index), date: date, unsubscribeSecret: secret, hostname: "mail.example.com")
        let bytes = try composer.render(recipient: recipients[index % recipients.count], context: context).bytes
        if let signer {
            totalBytes += try signer.sign(message: bytes, at: date).count + bytes.count
        } else {
            totalBytes += bytes.count
        }
    }
} catch {
    FileHandle.standardError.write(Data("message-bench: \(error)\n".utf8))
    exit(1)
}
let elapsed = clock.now - start
let cpu = cpuSeconds() - cpuStart
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let label = dkimAlgorithm.map { "maild-composer+dkim-\($0)" } ?? "maild-composer"
print("\(label) messages=\(count) seconds=\(String(format: "%.3f", seconds)) rate=\(Int(Double(count) / seconds)) msg/s cpu_seconds=\(String(format: "%.3f", cpu)) cpu_rate=\(Int(Double(count) / cpu)) msg/s bytes_per_message=\(totalBytes / max(count, 1))")
