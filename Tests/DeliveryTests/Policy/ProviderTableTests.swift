import Delivery
import Foundation
import TestSupport
import Testing

struct ProviderTableTests {
    static let providersFile = RepositoryPaths.root.appendingPathComponent("etc/providers.conf")

    @Test func embeddedTableEqualsTheEtcFileByteForByte() throws {
        let file = try String(contentsOf: Self.providersFile, encoding: .utf8)
        #expect(file == DefaultProviderTable.text, "paste etc/providers.conf into Sources/Delivery/Policy/DefaultProviderTable.swift")
    }

    @Test(arguments: [
        ("gmail.com", "google"), ("GMail.COM", "google"), ("googlemail.com.", "google"), (" gmail.com ", "google"),
        ("outlook.com", "microsoft"), ("hotmail.com", "microsoft"), ("hotmail.co.uk", "microsoft"), ("live.fr", "microsoft"), ("msn.com", "microsoft"),
        ("yahoo.com", "yahoo"), ("yahoo.co.uk", "yahoo"), ("ymail.com", "yahoo"), ("aol.com", "yahoo"),
        ("icloud.com", "apple"), ("me.com", "apple"), ("mac.com", "apple"),
        ("example.com", "default"), ("mail.gmail.com", "default"), ("notgmail.com", "default"), ("hotmail", "default"),
        ("gmail.com.evil.example", "default"), ("livehotmail.com", "default"),
    ])
    func builtInTableMapsDomains(domain: String, provider: String) throws {
        #expect(try ProviderTable.builtIn().provider(forDomain: domain) == provider)
    }

    @Test func addressesUseTheDomainAfterTheLastAt() throws {
        let table = try ProviderTable.builtIn()
        #expect(table.provider(forAddress: "\"a@b\"@Gmail.com") == "google")
        #expect(table.provider(forAddress: "<someone@yahoo.fr>") == "yahoo")
    }

    /// A-labels and U-labels match each other; Python's punycode codec is the independent
    /// encoder.
    @Test func internationalizedDomainsMatchInEitherForm() throws {
        let unicodeDomains = ["bücher.example", "münchen.example", "例え.テスト", "пример.рф", "ελληνικά.gr"]
        let aLabels = try pythonALabels(unicodeDomains)
        var table = ProviderTable()
        try table.apply("provider intl\ndomains \(unicodeDomains.joined(separator: " "))\nprovider intl-a\ndomains *.\(aLabels[0])\n", file: "test.conf")
        for (unicode, ascii) in zip(unicodeDomains, aLabels) {
            #expect(ascii.hasPrefix("xn--") || ascii.contains(".xn--"), "\(ascii)")
            #expect(table.provider(forDomain: ascii) == "intl", "\(ascii)")
            #expect(table.provider(forDomain: ascii.uppercased()) == "intl", "\(ascii)")
            #expect(table.provider(forDomain: unicode) == "intl")
        }
        // A pattern written as an A-label matches the Unicode spelling too.
        #expect(table.provider(forDomain: "mail.bücher.example") == "intl-a")
        // Broken Punycode is left as it is and simply matches nothing.
        #expect(table.provider(forDomain: "xn--99999999999999.example") == "default")
    }

    @Test func overridesAddMoveAndDefine() throws {
        var table = try ProviderTable.builtIn()
        try table.apply("""
            # our own tenant at Microsoft, and a company-wide Yahoo cap
            provider microsoft
            domains corp.example
            rate 100/min
            provider yahoo
            rate 500/hour 5000/day
            connections 4
            provider gmx
            domains gmx.* web.de
            messages_per_connection 50
            provider google
            domains hotmail.co.uk
            suspend google-quota 6h daily.*quota
            """, file: "overrides.conf")
        #expect(table.provider(forDomain: "corp.example") == "microsoft")
        #expect(table.provider(forDomain: "gmx.de") == "gmx")
        #expect(table.provider(forDomain: "web.de") == "gmx")
        // An exact override beats the built-in wildcard.
        #expect(table.provider(forDomain: "hotmail.co.uk") == "google")
        #expect(table.provider(forDomain: "hotmail.com") == "microsoft")
        #expect(table.limits(forProvider: "yahoo").rateLimits.map(\.description) == ["500/hour", "5000/day"])
        #expect(table.limits(forProvider: "yahoo").maxConnections == 4)
        #expect(table.limits(forProvider: "yahoo").maxMessagesPerConnection == 20, "kept from the built-in table")
        #expect(table.limits(forProvider: "gmx").maxMessagesPerConnection == 50)
        #expect(table.provider(named: "google")?.suspensionRules.map(\.name) == ["gmail-unusual-rate", "google-quota"])
    }

    @Test func moreSpecificWildcardsWin() throws {
        let table = try ProviderTable(parsing: "provider a\ndomains *.example.com\nprovider b\ndomains *.mail.example.com\nprovider c\ndomains example.*\n", file: "t")
        #expect(table.provider(forDomain: "x.example.com") == "a")
        #expect(table.provider(forDomain: "x.mail.example.com") == "b")
        #expect(table.provider(forDomain: "example.com") == "c")
        #expect(table.provider(forDomain: "example.co.uk") == "c")
    }

    @Test(arguments: [
        ("domains gmail.com", 1, "before the first `provider NAME`"),
        ("provider\n", 1, "expected `provider NAME`"),
        ("provider a b", 1, "expected `provider NAME`"),
        ("provider x\ndomains", 2, "at least one domain"),
        ("provider x\ndomains gm*il.com", 2, "is not a domain pattern"),
        ("provider x\ndomains a@b.com", 2, "is not a domain pattern"),
        ("provider x\nrate 30/fortnight", 2, "invalid rate limit"),
        ("provider x\nconnections 0", 2, "at least 1"),
        ("provider x\nsuspend r 1h", 2, "expected `suspend NAME DURATION REGEX`"),
        ("provider x\nsuspend r soon text", 2, "is not a duration"),
        ("provider x\nsuspend r 1h (unclosed", 2, "regular expression"),
        ("provider x\nsuspend r 1h a\nsuspend r 1h b", 3, "already used"),
        ("provider default\ndomains a.com", 2, "cannot be listed under \"default\""),
        ("provider x\n\n# c\nbogus 1", 4, "unknown keyword \"bogus\""),
    ])
    func errorsNameTheFileAndLine(text: String, line: Int, message: String) {
        #expect {
            _ = try ProviderTable(parsing: text, file: "overrides.conf")
        } throws: { error in
            let description = "\(error)"
            return description.hasPrefix("overrides.conf:\(line): ") && description.contains(message)
        }
    }

    private func pythonALabels(_ domains: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = "import sys\nfor d in sys.argv[1:]: print('.'.join(l if l.isascii() else 'xn--' + l.encode('punycode').decode() for l in d.lower().split('.')))"
        process.arguments = ["python3", "-c", script] + domains
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

extension ProviderTableTests {
    /// "\r\n" is one Character in Swift: an override file saved on Windows used to fail on
    /// line 1 as one long line.
    @Test func crlfOverrideFilesReadLikeLF() throws {
        var table = ProviderTable()
        try table.apply("# corporate relay\r\nprovider corp\r\ndomains corp.example *.corp.example\r\n\r\n", file: "crlf.conf")
        #expect(table.provider(forDomain: "mail.corp.example") == "corp")
        #expect(table.provider(forDomain: "corp.example") == "corp")
    }
}
