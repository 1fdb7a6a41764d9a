import Message
import Testing

/// The sample strings of RFC 3492 section 7.1, plus domains operators will meet.
struct PunycodeTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var unicode: String
        /// As printed in the RFC; (I) uses the optional mixed-case annotation, which an encoder
        /// need not produce, so encoder output is compared case-insensitively there.
        var punycode: String
        var testDescription: String { name }
    }

    static let rfc3492: [Vector] = [
        Vector(name: "(A) Arabic (Egyptian)",
               unicode: "\u{0644}\u{064A}\u{0647}\u{0645}\u{0627}\u{0628}\u{062A}\u{0643}\u{0644}\u{0645}\u{0648}\u{0634}\u{0639}\u{0631}\u{0628}\u{064A}\u{061F}",
               punycode: "egbpdaj6bu4bxfgehfvwxn"),
        Vector(name: "(B) Chinese (simplified)", unicode: "\u{4ED6}\u{4EEC}\u{4E3A}\u{4EC0}\u{4E48}\u{4E0D}\u{8BF4}\u{4E2D}\u{6587}",
               punycode: "ihqwcrb4cv8a8dqg056pqjye"),
        Vector(name: "(C) Chinese (traditional)", unicode: "\u{4ED6}\u{5011}\u{7232}\u{4EC0}\u{9EBD}\u{4E0D}\u{8AAA}\u{4E2D}\u{6587}",
               punycode: "ihqwctvzc91f659drss3x8bo0yb"),
        Vector(name: "(D) Czech", unicode: "Pro\u{010D}prost\u{011B}nemluv\u{00ED}\u{010D}esky", punycode: "Proprostnemluvesky-uyb24dma41a"),
        Vector(name: "(E) Hebrew",
               unicode: "\u{05DC}\u{05DE}\u{05D4}\u{05D4}\u{05DD}\u{05E4}\u{05E9}\u{05D5}\u{05D8}\u{05DC}\u{05D0}\u{05DE}\u{05D3}\u{05D1}\u{05E8}\u{05D9}\u{05DD}\u{05E2}\u{05D1}\u{05E8}\u{05D9}\u{05EA}",
               punycode: "4dbcagdahymbxekheh6e0a7fei0b"),
        Vector(name: "(F) Hindi (Devanagari)",
               unicode: "\u{092F}\u{0939}\u{0932}\u{094B}\u{0917}\u{0939}\u{093F}\u{0928}\u{094D}\u{0926}\u{0940}\u{0915}\u{094D}\u{092F}\u{094B}\u{0902}\u{0928}\u{0939}\u{0940}\u{0902}\u{092C}\u{094B}\u{0932}\u{0938}\u{0915}\u{0924}\u{0947}\u{0939}\u{0948}\u{0902}",
               punycode: "i1baa7eci9glrd9b2ae1bj0hfcgg6iyaf8o0a1dig0cd"),
        Vector(name: "(G) Japanese (kanji and hiragana)",
               unicode: "\u{306A}\u{305C}\u{307F}\u{3093}\u{306A}\u{65E5}\u{672C}\u{8A9E}\u{3092}\u{8A71}\u{3057}\u{3066}\u{304F}\u{308C}\u{306A}\u{3044}\u{306E}\u{304B}",
               punycode: "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa"),
        Vector(name: "(H) Korean (Hangul syllables)",
               unicode: "\u{C138}\u{ACC4}\u{C758}\u{BAA8}\u{B4E0}\u{C0AC}\u{B78C}\u{B4E4}\u{C774}\u{D55C}\u{AD6D}\u{C5B4}\u{B97C}\u{C774}\u{D574}\u{D55C}\u{B2E4}\u{BA74}\u{C5BC}\u{B9C8}\u{B098}\u{C88B}\u{C744}\u{AE4C}",
               punycode: "989aomsvi5e83db1d2a355cv1e0vak1dwrv93d5xbh15a0dt30a5jpsd879ccm6fea98c"),
        Vector(name: "(I) Russian (Cyrillic)",
               unicode: "\u{043F}\u{043E}\u{0447}\u{0435}\u{043C}\u{0443}\u{0436}\u{0435}\u{043E}\u{043D}\u{0438}\u{043D}\u{0435}\u{0433}\u{043E}\u{0432}\u{043E}\u{0440}\u{044F}\u{0442}\u{043F}\u{043E}\u{0440}\u{0443}\u{0441}\u{0441}\u{043A}\u{0438}",
               punycode: "b1abfaaepdrnnbgefbaDotcwatmq2g4l"),
        Vector(name: "(J) Spanish", unicode: "Porqu\u{00E9}nopuedensimplementehablarenEspa\u{00F1}ol",
               punycode: "PorqunopuedensimplementehablarenEspaol-fmd56a"),
        Vector(name: "(K) Vietnamese",
               unicode: "T\u{1EA1}isaoh\u{1ECD}kh\u{00F4}ngth\u{1EC3}ch\u{1EC9}n\u{00F3}iti\u{1EBF}ngVi\u{1EC7}t",
               punycode: "TisaohkhngthchnitingVit-kjcr8268qyxafd2f1b9g"),
        Vector(name: "(L) 3<nen>B<gumi><kinpachi><sensei>", unicode: "3\u{5E74}B\u{7D44}\u{91D1}\u{516B}\u{5148}\u{751F}",
               punycode: "3B-ww4c5e180e575a65lsy2b"),
        Vector(name: "(M) <amuro><namie>-with-SUPER-MONKEYS", unicode: "\u{5B89}\u{5BA4}\u{5948}\u{7F8E}\u{6075}-with-SUPER-MONKEYS",
               punycode: "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"),
        Vector(name: "(N) Hello-Another-Way-<sorezore><no><basho>",
               unicode: "Hello-Another-Way-\u{305D}\u{308C}\u{305E}\u{308C}\u{306E}\u{5834}\u{6240}",
               punycode: "Hello-Another-Way--fc4qua05auwb3674vfr0b"),
        Vector(name: "(O) <hitotsu><yane><no><shita>2", unicode: "\u{3072}\u{3068}\u{3064}\u{5C4B}\u{6839}\u{306E}\u{4E0B}2",
               punycode: "2-u9tlzr9756bt3uc0v"),
        Vector(name: "(P) Maji<de>Koi<suru>5<byou><mae>", unicode: "Maji\u{3067}Koi\u{3059}\u{308B}5\u{79D2}\u{524D}",
               punycode: "MajiKoi5-783gue6qz075azm5e"),
        Vector(name: "(Q) <pafii>de<runba>", unicode: "\u{30D1}\u{30D5}\u{30A3}\u{30FC}de\u{30EB}\u{30F3}\u{30D0}",
               punycode: "de-jg4avhby1noc0d"),
        Vector(name: "(R) <sono><supiido><de>", unicode: "\u{305D}\u{306E}\u{30B9}\u{30D4}\u{30FC}\u{30C9}\u{3067}",
               punycode: "d9juau41awczczp"),
        Vector(name: "(S) -> $1.00 <-", unicode: "-> $1.00 <-", punycode: "-> $1.00 <--"),
    ]

    static let domains: [Vector] = [
        Vector(name: "münchen", unicode: "münchen", punycode: "mnchen-3ya"),
        Vector(name: "bücher", unicode: "bücher", punycode: "bcher-kva"),
        Vector(name: "faß (IDNA2008 keeps ß)", unicode: "faß", punycode: "fa-hia"),
        Vector(name: "例子", unicode: "例子", punycode: "fsqu00a"),
        Vector(name: "пример", unicode: "пример", punycode: "e1afmkfd"),
        Vector(name: "empty", unicode: "", punycode: ""),
        Vector(name: "ASCII only", unicode: "abc", punycode: "abc-"),
    ]

    @Test(arguments: rfc3492 + domains)
    func encodes(_ vector: Vector) throws {
        #expect(try Punycode.encode(vector.unicode).lowercased() == vector.punycode.lowercased())
    }

    @Test(arguments: rfc3492 + domains)
    func decodes(_ vector: Vector) throws {
        #expect(try Punycode.decode(vector.punycode) == vector.unicode)
        #expect(try Punycode.decode(vector.punycode.uppercased()).lowercased() == vector.unicode.lowercased())
    }

    /// Basic code points keep their case (section 3.1), so the vectors without the mixed-case
    /// annotation come out exactly as printed.
    @Test func basicCodePointsKeepTheirCase() throws {
        #expect(try Punycode.encode("3\u{5E74}B\u{7D44}\u{91D1}\u{516B}\u{5148}\u{751F}") == "3B-ww4c5e180e575a65lsy2b")
        #expect(try Punycode.encode("Pro\u{010D}prost\u{011B}nemluv\u{00ED}\u{010D}esky") == "Proprostnemluvesky-uyb24dma41a")
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var input: String
        var problem: PunycodeProblem
        var testDescription: String { String(reflecting: input) }
    }

    static let badInputs: [BadInput] = [
        BadInput(input: "w&", problem: .invalidDigit("&", offset: 1)),
        BadInput(input: "ü-abc", problem: .nonBasicCodePoint("ü", offset: 0)),
        BadInput(input: "mnchen-3y", problem: .truncated),
        BadInput(input: "-abc", problem: .invalidDigit("-", offset: 0)),
        BadInput(input: "abc-999", problem: .truncated),
        BadInput(input: "99999999999", problem: .overflow),
        // Lone surrogates (Python's codec encodes them) are not characters.
        BadInput(input: "ib9b", problem: .invalidCodePoint(0xD800)),
        BadInput(input: "a-qo7g", problem: .invalidCodePoint(0xDFFF)),
    ]

    @Test(arguments: badInputs)
    func refusesInvalidInput(_ input: BadInput) {
        #expect(throws: MessageError.invalidPunycode(input.input, problem: input.problem)) {
            _ = try Punycode.decode(input.input)
        }
    }

    @Test func roundTripsEveryPlaneOnce() throws {
        let samples = ["\u{80}", "\u{7FF}", "\u{800}", "\u{FFFD}", "\u{10000}", "\u{1F600}\u{1F4A9}", "\u{10FFFF}", "aé\u{10FFFF}z"]
        for sample in samples {
            #expect(try Punycode.decode(Punycode.encode(sample)) == sample)
        }
    }
}
