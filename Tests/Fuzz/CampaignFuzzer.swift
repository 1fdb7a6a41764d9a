// libFuzzer harness for the campaign file reader (Sources/Message/Campaign: CampaignLoader,
// CampaignSpec, with the recipient CSV reader behind recipients_file), built by
// Tests/Fuzz/run.sh.
//
// Input: the campaign file (JSON). It sits in a folder with a text body, an HTML body, a PDF and
// two recipient lists it can name (body.txt, body.html, doc.pdf, list.csv, bad.csv).
//
// Invariants, beyond "does not crash":
// - a refusal lists at least one problem, at most `maximumProblems`, one line each: no problem
//   text can forge lines of the report or carry control characters to the terminal;
// - skip_invalid only ever turns a refusal into an acceptance, never the reverse, and a load
//   without it never skips anybody;
// - an accepted campaign is consistent: its recipients streamed from the source are exactly
//   `recipientCount`, with valid addresses and no duplicate; its extra headers encode; its
//   sender parses;
// - the spec crosses IPC unchanged: encoded and decoded with the wire's JSON conventions
//   (snake_case, RFC 3339 dates) it is equal to itself;
// - the input decoded directly as a wire spec (what maild does with submit_begin) round-trips
//   the same way.
import Foundation
@testable import Message

private let workDirectory: String = {
    let base = ProcessInfo.processInfo.environment["FUZZ_WORKDIR"] ?? NSTemporaryDirectory()
    let path = base + "/campaign-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let files = [
        "body.txt": "Hello {{first_name_or_email}} from {{city}},\n{{#vip}}VIP{{/vip}}\n{{unsubscribe_url}}\n",
        "body.html": "<p>Hello {{name}} in {{city}}</p>",
        "doc.pdf": "%PDF-1.4\n%fuzz\n",
        "list.csv": "email,name,city\nann@example.com,Ann,Paris\n\"bob@example.org\",\"Smith, Bob\",Berlin\nANN@EXAMPLE.COM,,Rome\nnot-an-address,X,Oslo\n",
        "bad.csv": "email,city\n\"unterminated@example.com,Paris\n",
    ]
    for (name, text) in files {
        FileManager.default.createFile(atPath: path + "/" + name, contents: Data(text.utf8))
    }
    return path
}()

/// The wire's JSON conventions (IPC's IPCProtocol.makeEncoder/makeDecoder, which maild's
/// CampaignWire uses for the spec), repeated here because IPC is another module.
private func wireEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
}

private func wireDecoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    decoder.dateDecodingStrategy = .iso8601
    return decoder
}

private func checkWireRoundTrip(_ spec: CampaignSpec) {
    do {
        let data = try wireEncoder().encode(spec)
        let again = try wireDecoder().decode(CampaignSpec.self, from: data)
        require(again == spec, "the spec changed crossing IPC: \(spec) -> \(again)")
    } catch {
        fail("the spec does not cross IPC: \(error)")
    }
}

private func checkRefusal(_ error: CampaignValidationError) {
    require(!error.problems.isEmpty, "a refusal without problems")
    require(error.problems.count <= CampaignLoader.maximumProblems, "\(error.problems.count) problems kept")
    let description = error.description
    let lines = description.split(separator: "\n", omittingEmptySubsequences: false)
    require(lines.count == error.lines.count, "a problem spans lines:\n\(description)")
    for scalar in description.unicodeScalars where scalar != "\n" {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator:
            fail("U+\(String(scalar.value, radix: 16)) in the report: \(String(reflecting: description))")
        default:
            break
        }
    }
}

private func checkAccepted(_ loaded: LoadedCampaign, skipInvalid: Bool) {
    let spec = loaded.spec
    require(skipInvalid || loaded.skippedCount == 0, "skipped recipients without skip_invalid")
    require(loaded.skipped.count <= min(loaded.skippedCount, CampaignLoader.maximumProblems), "skipped list longer than its count")
    do {
        _ = try EmailAddress(addrSpec: spec.from.address, displayName: spec.from.name)
        for header in spec.headers { _ = try HeaderEncoder().encode(name: header.name, value: header.value) }
    } catch {
        fail("accepted campaign with a bad sender or header: \(error)")
    }
    require(spec.text != nil || spec.html != nil, "accepted campaign without a body")
    checkWireRoundTrip(spec)

    var seen = Set<String>()
    do {
        var recipients = try loaded.makeRecipientIterator()
        while let recipient = try recipients.next() {
            let address: EmailAddress
            do { address = try EmailAddress(addrSpec: recipient.address) } catch {
                fail("streamed an invalid address \(recipient.address): \(error)")
            }
            require(seen.insert(address.normalizedKey).inserted, "streamed \(recipient.address) twice")
        }
    } catch {
        fail("the recipients of an accepted campaign do not stream: \(error)")
    }
    require(seen.count == loaded.recipientCount, "validation counted \(loaded.recipientCount) recipients, streaming gave \(seen.count)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCampaign(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    let path = workDirectory + "/campaign.json"
    writeFile(path, Array(bytes))

    var strictOutcome: LoadedCampaign?
    do {
        let loaded = try CampaignLoader(skipInvalid: false).load(path: path)
        checkAccepted(loaded, skipInvalid: false)
        strictOutcome = loaded
    } catch {
        checkRefusal(error)
    }
    do {
        let loaded = try CampaignLoader(skipInvalid: true).load(path: path)
        checkAccepted(loaded, skipInvalid: true)
        if let strict = strictOutcome {
            require(loaded.recipientCount == strict.recipientCount && loaded.duplicateCount == strict.duplicateCount
                         && loaded.spec == strict.spec, "skip_invalid changed a campaign that had nothing to skip")
        }
    } catch {
        require(strictOutcome == nil, "accepted without skip_invalid, refused with it: \(error)")
        checkRefusal(error)
    }

    // What maild does with the spec of a submit_begin.
    if let spec = try? wireDecoder().decode(CampaignSpec.self, from: bytes) {
        checkWireRoundTrip(spec)
    }
    return 0
}
