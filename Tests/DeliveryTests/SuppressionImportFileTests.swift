import Delivery
import Testing

/// `mailctl suppress import` files: plain lists and CSV exports.
struct SuppressionImportFileTests {
    @Test func onePerLineWithCommentsAndBlankLines() {
        let file = SuppressionImportFile(text: "\u{FEFF}# unsubscribes from the web form\nann@example.com\n\n  bob@example.org  \r\ncarol@example.net", name: "list.txt")
        #expect(file.addresses == ["ann@example.com", "bob@example.org", "carol@example.net"])
        #expect(file.problems.isEmpty)
    }

    @Test func csvWithAnEmailColumnAnywhere() {
        let text = "Name,EMAIL,note\n\"Doe, Ann\",ann@example.com,\"said \"\"stop\"\"\"\nBob,bob@example.org,\n"
        let file = SuppressionImportFile(text: text, name: "export.csv")
        #expect(file.addresses == ["ann@example.com", "bob@example.org"])
        #expect(SuppressionImportFile.fields("\"Doe, Ann\",ann@example.com,\"said \"\"stop\"\"\"") == ["Doe, Ann", "ann@example.com", "said \"stop\""])
    }

    @Test func everyBadLineIsNamed() {
        let plain = SuppressionImportFile(text: "ann@example.com\nnot an address\n@example.com\n", name: "list.txt")
        #expect(plain.problems == [#"list.txt:2: "not an address" is not an address"#, #"list.txt:3: "@example.com" is not an address"#])
        let csv = SuppressionImportFile(text: "name,mail\nAnn,ann@example.com\n", name: "x.csv")
        #expect(csv.problems == ["x.csv:1: a CSV file needs an email (or address) column; its header has name, mail"])
        #expect(csv.addresses.isEmpty)
    }
}

extension SuppressionImportFileTests {
    /// What `mailctl suppress list` writes (an `address` column) reads back: a doubled quote at the start of a quoted
    /// field used to be dropped, so `"a@b"@c.example` came back as `a@b"@c.example`.
    @Test func quotedFieldsThatStartWithAQuoteRoundTrip() {
        #expect(SuppressionImportFile.fields(#""""a@b""@c.example",x"#) == [#""a@b"@c.example"#, "x"])
        #expect(SuppressionImportFile.fields(#""""","""""""#) == [#"""#, #""""#])
        let text = "address,reason,class,job_id,at\n\"\"\"a,b\"\"@c.example\",\"said \"\"stop\"\", twice\",,,2026-01-01T00:00:00Z\n"
        let file = SuppressionImportFile(text: text, name: "list.csv")
        #expect(file.addresses == [#""a,b"@c.example"#])
        #expect(file.problems.isEmpty)
    }
}
