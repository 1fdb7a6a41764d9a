import Foundation
@testable import Message
import Testing

/// Inputs found by the libFuzzer harnesses (Tests/Fuzz, targets campaign, csv, address, header),
/// kept here so the bugs they found stay fixed without running the fuzzers.
struct FuzzRegressionTests {
    /// The wire's JSON conventions (IPCProtocol.makeEncoder/makeDecoder, used by maild's
    /// CampaignWire for the spec); the IPC module is not a dependency of this test target.
    static func crossIPC(_ spec: CampaignSpec) throws -> CampaignSpec {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(CampaignSpec.self, from: encoder.encode(spec))
    }

    static func load(_ json: String, files: [String: String] = [:]) throws -> LoadedCampaign {
        let fixture = try CampaignFixture(files: files.merging(["campaign.json": json]) { $1 })
        defer { fixture.remove() }
        return try CampaignLoader().load(path: fixture.campaignPath)
    }

    static let minimal = #""name": "July", "account": "gmail", "from": "News <news@example.com>", "subject": "Hi", "recipients": [{"email": "ann@example.com"}]"#

    /// Seed `fractional-send-at`: a send_at with a fraction of a second was kept, but the
    /// spec crosses IPC in whole seconds, so the time changed between mailctl and maild.
    @Test func fractionalSendAtSurvivesIPC() throws {
        let loaded = try Self.load("{" + Self.minimal + #", "text": "Hi", "send_at": "2025-07-01T09:00:00.250+02:00"}"#)
        #expect(loaded.spec.sendAt == Date(timeIntervalSince1970: 1_751_353_200))
        #expect(try Self.crossIPC(loaded.spec) == loaded.spec)
    }

    /// The fuzzer's first input, an empty campaign file, leaked 4 KiB under LeakSanitizer:
    /// `FileManager.contents(atPath:)` never frees its buffer for an empty file on Linux. The
    /// loader reads files itself now; an empty file is still read as empty, not as unreadable.
    @Test func emptyFilesReadAsEmpty() throws {
        let fixture = try CampaignFixture(files: ["campaign.json": ""])
        defer { fixture.remove() }
        do {
            _ = try CampaignLoader().load(path: fixture.campaignPath)
            Issue.record("an empty campaign file was accepted")
        } catch {
            #expect(error.problems.map(\.place) == [""])
            #expect(error.problems.first?.message.hasPrefix("not valid JSON") == true)
        }
        let loaded = try Self.load("{" + Self.minimal + #", "text_file": "empty.txt"}"#, files: ["empty.txt": ""])
        #expect(loaded.spec.text == "")
    }
}

extension FuzzRegressionTests {
    /// Target address: an "xn--" label that round-trips through Punycode but whose U-label ends
    /// with '-' was accepted, so the domain shown to people was not a valid domain.
    @Test func aLabelWithAnInvalidULabelIsRefused() throws {
        let input = "info@xn--ab2--cIntQtringe"
        #expect(IDNA.toUnicode("xn--ab2--cIntQtringe").hasSuffix("-"))
        #expect(throws: MessageError.invalidAddress(input, problem: .invalidALabel("xn--ab2--cIntQtringe"), offset: 5)) {
            try EmailAddress(addrSpec: input)
        }
        #expect(throws: MessageError.self) { try EmailDomain("xn--ab2--cIntQtringe.example") }
        // Valid A-labels still pass, and show as their U-labels.
        let valid = try EmailAddress(addrSpec: "info@xn--mnchen-3ya.de")
        #expect(valid.domain.unicodeForm == "münchen.de")
    }
}
