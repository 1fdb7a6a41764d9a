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

extension FuzzRegressionTests {
    /// Target campaign: a send_at with a long fraction of a second crashed mailctl with SIGFPE
    /// inside ICU's date parser. The fuzzer's input, inlined.
    @Test func longFractionInSendAtDoesNotCrash() throws {
        let json = """
        {
         "name": "July newsletter",
         "account": "gmail",
         "from": "New ss@e<wnexample.com>",
         "subject": "Hello {{first_name_or_email}}",
         "text": "Hi {{name}}",
         "recipients": [{"email": "an/zoneinfo/com", "name": "Ann"}],
         "send_at": "2025-07-01T09:00:00.2505555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555+02:00"
        }
        """
        let fixture = try CampaignFixture(files: ["campaign.json": json])
        defer { fixture.remove() }
        do {
            _ = try CampaignLoader().load(path: fixture.campaignPath)
            Issue.record("a campaign with an invalid sender was accepted")
        } catch {
            #expect(!error.problems.contains { $0.place == "send_at" })
            #expect(error.problems.contains { $0.place == "from" })
        }
        let loaded = try Self.load("{" + Self.minimal + #", "text": "Hi", "send_at": "2025-07-01T09:00:00.99999999999999999999999999+02:00"}"#)
        #expect(loaded.spec.sendAt == Date(timeIntervalSince1970: 1_751_353_200))
    }

    @Test(arguments: ["2025.5-07-01T09:00:00+02:00", "2025-07-01T09:00:00.+02:00", "2025-07-01T09:00:00.5", "tomorrow"])
    func malformedSendAtIsStillRefused(_ text: String) throws {
        do {
            _ = try Self.load("{" + Self.minimal + #", "text": "Hi", "send_at": "\#(text)"}"#)
            Issue.record("send_at \(text) was accepted")
        } catch let error as CampaignValidationError {
            #expect(error.problems.map(\.place) == ["send_at"])
        }
    }
}

extension FuzzRegressionTests {
    /// Target campaign: ISO8601DateFormatter read "20e5-07-01T..." as a date that changed
    /// crossing IPC. The fuzzer's send_at, and other non-RFC 3339 shapes, are refused; the
    /// RFC 3339 forms loaded before still load.
    @Test(arguments: ["20e5-07-01T09:00:00.250+02:00", "2025-7-01T09:00:00+02:00", "2025-07-01 09:00:00+02:00", "2025-07-01T09:00:00+0200"])
    func nonRFC3339SendAtIsRefused(_ text: String) throws {
        do {
            _ = try Self.load("{" + Self.minimal + #", "text": "Hi", "send_at": "\#(text)"}"#)
            Issue.record("send_at \(text) was accepted")
        } catch let error as CampaignValidationError {
            #expect(error.problems.map(\.place) == ["send_at"])
        }
    }

    @Test(arguments: ["2025-07-01T07:00:00Z", "2025-07-01T09:00:00+02:00", "2025-07-01T02:00:00-05:00", "2025-07-01T09:00:00.5+02:00"])
    func rfc3339SendAtLoads(_ text: String) throws {
        let loaded = try Self.load("{" + Self.minimal + #", "text": "Hi", "send_at": "\#(text)"}"#)
        #expect(loaded.spec.sendAt == Date(timeIntervalSince1970: 1_751_353_200))
        #expect(try Self.crossIPC(loaded.spec) == loaded.spec)
    }
}

extension FuzzRegressionTests {
    /// Target campaign: a file name from the campaign went raw into the report, so a DEL (or a
    /// line break) reached the terminal and could forge report lines. The fuzzer's text_file,
    /// and a line break and U+2028 in file names and keys.
    @Test func fileNamesAndKeysCannotForgeReportLines() throws {
        let fields = #""name": "July", "account": "gmail", "from": "News <news@example.com>", "subject": "Hi", "recipients": [{"email": "ann@example.com"}]"#
        let fixture = try CampaignFixture(files: ["campaign.json": "{" + fields + #", "text_file": "body.\u007Fxt", "html_file": "a\nb.html", "x\u2028y": 1}"#])
        defer { fixture.remove() }
        do {
            _ = try CampaignLoader().load(path: fixture.campaignPath)
            Issue.record("accepted a campaign with missing files")
        } catch {
            #expect(error.description.split(separator: "\n", omittingEmptySubsequences: false).count == error.problems.count)
            #expect(!error.description.unicodeScalars.contains { $0 == "\u{7F}" || $0 == "\u{2028}" })
            #expect(error.problems.contains { $0.message == "cannot read body.\\u{7F}xt: no such file" })
            #expect(error.problems.contains { $0.message == "cannot read a\\nb.html: no such file" })
        }
    }
}

extension FuzzRegressionTests {
    /// The skipped-recipients list quoted the CSV file's name raw, unlike every other problem
    /// (the fix above for campaign file names): `mailctl submit --skip-invalid` printed a line
    /// break or a DEL from the file name straight to the terminal. Now escaped the same way.
    @Test func skippedRecipientsCannotForgeReportLinesThroughTheFileName() throws {
        let csv = "a\nb\u{7F}.csv"
        let json = "{" + Self.minimal.replacingOccurrences(of: #""recipients": [{"email": "ann@example.com"}]"#, with: #""recipients_file": "a\nb\u007F.csv""#)
            + #", "text": "Hi"}"#
        let fixture = try CampaignFixture(files: ["campaign.json": json, csv: "email\nann@example.com\nbob@\n"])
        defer { fixture.remove() }
        let loaded = try CampaignLoader(skipInvalid: true).load(path: fixture.campaignPath)
        #expect(loaded.skippedCount == 1)
        let skipped = try #require(loaded.skipped.first)
        #expect(skipped.isInOtherFile)
        #expect(skipped.place == #""a\nb\u{7F}.csv:3""#)
        #expect(skipped.description == #""a\nb\u{7F}.csv:3": "bob@" is not a valid address: nothing after the '@'"#)
        #expect(!skipped.description.unicodeScalars.contains { $0 == "\n" || $0 == "\u{7F}" })
        // Without --skip-invalid the same recipient is a problem, escaped the same way.
        let error = #expect(throws: CampaignValidationError.self) { try CampaignLoader().load(path: fixture.campaignPath) }
        #expect(error?.problems.map(\.description) == [skipped.description])
    }
}
