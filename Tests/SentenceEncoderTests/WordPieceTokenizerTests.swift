import Foundation
import Testing
@testable import SentenceEncoder

@Suite struct BertPreTokenizerTests {
    @Test func lowercasesStripsAccentsAndSplitsPunctuation() {
        #expect(BertPreTokenizer.words("Héllo, WORLD!") == ["hello", ",", "world", "!"])
        #expect(BertPreTokenizer.words("Crème brûlée à Ñandú") == ["creme", "brulee", "a", "nandu"])
        // İ decomposes to I + combining dot (dropped) before lowercasing, as HF's BertNormalizer does.
        #expect(BertPreTokenizer.words("İstanbul") == ["istanbul"])
    }

    @Test func asciiSymbolsCountAsPunctuationButNotOtherSymbols() {
        // $ + < = > ^ ` | ~ are ASCII punctuation for BERT (though Unicode calls them Sc/Sm/Sk);
        // € and ✓ are symbols, not punctuation, so they stay inside words.
        #expect(BertPreTokenizer.words("$5+3=8 a|b ~x^y `q` €10 ok✓") ==
                ["$", "5", "+", "3", "=", "8", "a", "|", "b", "~", "x", "^", "y", "`", "q", "`", "€10", "ok✓"])
        #expect(BertPreTokenizer.words("¿qué?—«sí»") == ["¿", "que", "?", "—", "«", "si", "»"])
    }

    @Test func cleansControlCharactersAndWhitespace() {
        // NUL, U+FFFD, BEL, zero-width space (Cf) and soft hyphen (Cf) vanish without splitting;
        // tab, newline, NBSP, em space and line separator split.
        let text = "a\u{0}b\u{FFFD}c\u{7}d\u{200B}e\u{AD}f\tg\nh\u{A0}i\u{2003}j\u{2028}k"
        #expect(BertPreTokenizer.words(text) == ["abcdef", "g", "h", "i", "j", "k"])
        #expect(BertPreTokenizer.words("") == [])
        #expect(BertPreTokenizer.words(" \t\n ") == [])
    }

    @Test func isolatesCJKIdeographsButNotKanaOrHangul() {
        #expect(BertPreTokenizer.words("我爱abc日本") == ["我", "爱", "abc", "日", "本"])
        #expect(BertPreTokenizer.words("カタカナ") == ["カタカナ"])
        // Hangul syllables decompose (NFD) into conjoining jamo, which are letters (Lo), kept.
        #expect(BertPreTokenizer.words("한") == ["\u{1112}\u{1161}\u{11AB}"])
    }
}

@Suite struct WordPieceTokenizerTests {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "aff", "able", "!", "a", "##a", "hello", "##s", ",", "é"]

    func make() throws -> WordPieceTokenizer { try WordPieceTokenizer(vocabulary: Self.vocabulary) }

    @Test func greedyLongestMatchFirstWithContinuations() throws {
        let t = try make()
        #expect(t.tokenize("unaffable!") == ["un", "##aff", "##able", "!"])
        #expect(t.tokenize("Hellos, affable") == ["hello", "##s", ",", "aff", "##able"])
        #expect(t.encode("unaffable!") == [2, 4, 5, 6, 9, 3])
    }

    @Test func wordsWithoutASegmentationBecomeOneUnknown() throws {
        let t = try make()
        // "unx": "un" matches but "##x" does not, so the whole word is [UNK], not "un" + [UNK].
        #expect(t.encode("unx hello") == [2, 1, 12, 3])
        // "é" is in the vocabulary but accents are stripped first, so "é" → "e" → [UNK].
        #expect(t.encode("é") == [2, 1, 3])
    }

    @Test func wordsOver100CharactersAreUnknown() throws {
        let t = try make()
        let hundred = String(repeating: "a", count: 100)
        #expect(t.encode(hundred, maxTokens: 512).count == 102)          // a + 99 × ##a
        #expect(t.encode(hundred + "a", maxTokens: 512) == [2, 1, 3])   // 101 characters
    }

    @Test func truncatesToMaxTokensIncludingSpecials() throws {
        let t = try make()
        let text = String(repeating: "hello ", count: 10)
        #expect(t.encode(text, maxTokens: 5) == [2, 12, 12, 12, 3])
        #expect(t.encode(text, maxTokens: 2) == [2, 3])
        #expect(t.encode(text, maxTokens: 0) == [2, 3])
        #expect(t.encode("", maxTokens: 256) == [2, 3])
        // Truncation may cut a word between its pieces, as Hugging Face's does.
        #expect(t.encode("unaffable", maxTokens: 4) == [2, 4, 5, 3])
    }

    @Test func windowsCoverEveryPieceWithOverlap() throws {
        let t = try make()
        // 7 pieces: un ##aff ##able hello ##s , a
        let text = "unaffable hellos, a"
        #expect(t.windows(text, maxTokens: 5, stride: 2) == [[2, 4, 5, 6, 3], [2, 6, 12, 13, 3], [2, 13, 14, 10, 3]])
        // default stride: half a window (3 pieces → 1)
        #expect(t.windows(text, maxTokens: 5).count == 5)
        // a text that fits is one window, equal to encode
        #expect(t.windows(text, maxTokens: 256) == [t.encode(text, maxTokens: 256)])
        #expect(t.windows("", maxTokens: 8) == [[2, 3]])
        // stride larger than the window is capped: windows never skip pieces
        #expect(t.windows(text, maxTokens: 4, stride: 50) == [[2, 4, 5, 3], [2, 6, 12, 3], [2, 13, 14, 3], [2, 10, 3]])
    }

    @Test func vocabularyWithoutSpecialTokensIsRejected() {
        #expect(throws: EncoderFileError(path: "v.txt", reason: "has no [UNK] token (2 tokens read); is it a BERT vocab.txt?")) {
            try WordPieceTokenizer(vocabulary: ["[CLS]", "[SEP]"], path: "v.txt")
        }
    }

    @Test func readsVocabFilesWithCRLFAndRejectsInvalidUTF8() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("vocab.txt")
        try Data("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhi\r\n".utf8).write(to: good)
        let t = try WordPieceTokenizer(contentsOf: good)
        #expect(t.vocabulary.count == 5)
        #expect(t.encode("HI") == [2, 4, 3])
        let bad = dir.appendingPathComponent("bad.txt")
        try Data([0x61, 0x0A, 0x5B, 0x55, 0xFF, 0xFE, 0x0A]).write(to: bad)
        #expect(throws: EncoderFileError(path: bad.path, reason: "line 2 is not valid UTF-8")) { try WordPieceTokenizer(contentsOf: bad) }
        #expect(throws: EncoderFileError.self) { try WordPieceTokenizer(contentsOf: dir.appendingPathComponent("missing.txt")) }
    }
}
