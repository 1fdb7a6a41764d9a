import Delivery
import Foundation
import TestSupport
import Testing

struct RelayPresetTests {
    @Test func namesAreUniqueAndFoundCaseInsensitively() {
        let names = RelayPreset.all.map(\.name)
        #expect(Set(names).count == names.count)
        for preset in RelayPreset.all { #expect(RelayPreset.named(preset.name.uppercased()) == preset) }
        #expect(RelayPreset.named("hotmail-classic") == nil)
    }

    /// Port 465 is implicit TLS (RFC 8314); 587 and 25 use STARTTLS. Never plaintext.
    @Test(arguments: RelayPreset.all)
    func transportIsConsistent(preset: RelayPreset) {
        #expect(preset.tlsMode == (preset.port == 465 ? .implicit : .startTLS))
        #expect(preset.host.split(separator: ".").count >= 3)
        #expect(!preset.published.isEmpty)
        #expect(preset.published.allSatisfy { $0.confirmed || $0.source.contains("third-part") || $0.source.contains("not ") })
    }

    /// The default throttles come only from confirmed numbers.
    @Test func defaultThrottlesUseConfirmedNumbers() throws {
        #expect(RelayPreset.googleWorkspace.limits.perDay == 2000)
        #expect(RelayPreset.microsoft365.limits.rateLimits.map(\.description) == ["30/min", "10000/day"])
        #expect(RelayPreset.amazonSES.limits.rateLimits.map(\.description) == ["1/s", "200/day"])
        #expect(RelayPreset.gmail.limits.rateLimits.isEmpty, "the consumer limit is unconfirmed")
        #expect(RelayPreset.yahoo.limits.rateLimits.isEmpty, "the Yahoo limit is unconfirmed")
    }

    /// docs/providers.md documents every preset, with the date the numbers were checked.
    @Test func documentationCoversEveryPreset() throws {
        let doc = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("docs/providers.md"), encoding: .utf8)
        #expect(doc.contains("2026-11-23"))
        for preset in RelayPreset.all {
            #expect(doc.contains("`\(preset.name)`"), "docs/providers.md lacks preset \(preset.name)")
            #expect(doc.contains(preset.host), "docs/providers.md lacks \(preset.host)")
        }
    }
}
