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
