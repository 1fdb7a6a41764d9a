/// An unstructured header value (RFC 5322 3.2.5: Subject, Comments, most X- fields) cut into
/// words, with the words that cannot be sent as they are marked for encoded-words.
///
/// Whitespace between plain words is kept exactly (folding only inserts CRLF before it).
/// Consecutive words that need encoding become one run of encoded-words including the spaces
/// between them, because a decoder drops the whitespace between two encoded-words (RFC 2047 6.2).
enum UnstructuredText {
    /// "Name: " (at most 78) plus a word must stay within 998 octets.
    static let longestPlainWord = 920
    /// Longer whitespace could not be followed by a word on a continuation line within 998, so it
    /// is carried inside encoded-words with its neighbours.
    static let longestPlainWhitespace = 76

    struct Word {
        /// The whitespace before the word (empty for the first).
        var whitespace: String
        var text: String
        var needsEncoding: Bool
    }

    /// Leading and trailing whitespace is dropped: parsers strip it (RFC 5322 treats it as
    /// folding whitespace, not content).
    static func words(of value: String) -> [Word] {
        var words: [Word] = []
        var whitespace = String.UnicodeScalarView()
        var text = String.UnicodeScalarView()
        func finishWord() {
            guard !text.isEmpty else { return }
            let word = String(text)
            words.append(Word(whitespace: words.isEmpty ? "" : String(whitespace), text: word, needsEncoding: needsEncoding(word)))
            whitespace = String.UnicodeScalarView()
            text = String.UnicodeScalarView()
        }
        for scalar in value.unicodeScalars {
            if scalar.isFoldingWhitespace {
                finishWord()
                whitespace.append(scalar)
            } else {
                text.append(scalar)
            }
        }
        finishWord()
        for index in words.indices.dropFirst() where words[index].whitespace.utf8.count > longestPlainWhitespace {
            words[index - 1].needsEncoding = true
            words[index].needsEncoding = true
        }
        return words
    }

    /// Non-ASCII text must be encoded (RFC 2047); so must text that looks like an encoded-word,
    /// or a decoder would decode what the sender wrote literally; and a word too long for one line.
    private static func needsEncoding(_ word: String) -> Bool {
        !word.utf8.allSatisfy { $0 < 0x80 } || word.contains("=?") || word.utf8.count > longestPlainWord
    }

    static func append(_ value: String, to folder: inout HeaderFolder) {
        let words = words(of: value)
        var index = 0
        while index < words.count {
            let whitespace = index == 0 ? " " : words[index].whitespace
            guard words[index].needsEncoding else {
                folder.appendWhole(words[index].text, after: whitespace)
                index += 1
                continue
            }
            var run = words[index].text
            index += 1
            while index < words.count && words[index].needsEncoding {
                run += words[index].whitespace + words[index].text
                index += 1
            }
            folder.appendEncoded(run, after: whitespace, encoding: EncodedWord.preferredEncoding(for: run))
        }
    }
}
