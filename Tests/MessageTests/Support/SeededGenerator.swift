/// SplitMix64: the same "random" header values on every run and machine, so a failure can be
/// reproduced from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Header text mixing what campaigns contain: ASCII words, punctuation, Latin with accents,
/// Cyrillic, CJK, emoji with modifiers and joiners, combining marks, tabs and runs of spaces.
enum GeneratedText {
    static let pieces = [
        "Hello", "world", "Newsletter", "Re:", "[list]", "50%", "off!", "\"quoted\"", "a,b;c", "x=y?", "_under_",
        "Grüße", "München", "Ærøskøbing", "façade", "naïve", "Привет", "мир", "日本語", "のテスト", "中文邮件",
        "👍🏽", "👨‍👩‍👧‍👦", "🇩🇪", "e\u{301}", "ﬁ", "\u{2028}", "€", "=?", "?=", "tab\tin", "https://example.com/a?b=c&d=e",
    ]

    static func value(seed: UInt64) -> String {
        var generator = SeededGenerator(seed: seed)
        let count = Int.random(in: 1...40, using: &generator)
        var text = ""
        for index in 0..<count {
            if index > 0 {
                text += Int.random(in: 0..<10, using: &generator) == 0 ? "   " : " "
            }
            text += pieces.randomElement(using: &generator) ?? "x"
        }
        return text
    }
}

/// Header text built to break line limits: ASCII words from one letter to several thousand,
/// specials that force quoting, text that looks encoded, UTF-8 of every width, and runs of
/// whitespace. Never starts or ends with whitespace (encoders drop it, so it would not round-trip).
enum LongHeaderText {
    static let specials = ["\"", "\\", ",", ";", "<", ">", "@", "(", ")", ".", ":", "[", "]", "=?", "?=", "=?UTF-8?Q?x?=", "_"]

    /// `allowsTab`: unstructured fields (Subject) keep TAB; display names refuse it.
    static func value(seed: UInt64, allowsTab: Bool) -> String {
        var generator = SeededGenerator(seed: seed)
        let count = Int.random(in: 1...12, using: &generator)
        var text = ""
        for index in 0..<count {
            if index > 0 {
                switch Int.random(in: 0..<12, using: &generator) {
                case 0: text += "  "
                case 1: text += allowsTab ? "\t" : "   "
                case 2: text += String(repeating: " ", count: Int.random(in: 60...120, using: &generator))
                default: text += " "
                }
            }
            text += word(using: &generator)
        }
        return text
    }

    static func word(using generator: inout SeededGenerator) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        func asciiWord(_ length: Int) -> String {
            String((0..<length).map { _ in letters.randomElement(using: &generator) ?? "x" })
        }
        switch Int.random(in: 0..<10, using: &generator) {
        case 0: return asciiWord(Int.random(in: 70...90, using: &generator))
        case 1: return asciiWord(Int.random(in: 900...1100, using: &generator))
        case 2: return asciiWord(Int.random(in: 1100...5000, using: &generator))
        case 3: return specials.randomElement(using: &generator) ?? ","
        case 4:
            // Non-ASCII words of every width, repeated into runs longer than a line; without
            // GeneratedText's TAB, which display names refuse.
            let piece = (GeneratedText.pieces.randomElement(using: &generator) ?? "ü").replacingOccurrences(of: "\t", with: "-")
            return String(repeating: piece, count: Int.random(in: 1...200, using: &generator))
        case 5: return (specials.randomElement(using: &generator) ?? ",") + asciiWord(Int.random(in: 1...2000, using: &generator))
        default: return asciiWord(Int.random(in: 1...12, using: &generator))
        }
    }
}
