import Foundation

/// BERT's uncased text normalization and pre-tokenization, as Hugging Face's `BertNormalizer` +
/// `BertPreTokenizer` (tokenizer.json of all-MiniLM-L6-v2) do it, on Unicode scalars:
///
/// 1. clean: drop NUL, U+FFFD and control/format/unassigned/private-use characters (category C*,
///    except tab, newline and carriage return), turn whitespace into a space;
/// 2. put spaces around CJK ideographs, so each is a word;
/// 3. strip accents: canonical decomposition (NFD), then drop nonspacing marks (Mn);
/// 4. lowercase each character (full mapping: "İ" → "i̇");
/// 5. split on whitespace and around each punctuation character (ASCII punctuation, including
///    `$+<=>^`|~`, and Unicode P*).
///
/// ```swift
/// BertPreTokenizer.words("Héllo, WORLD!")   // ["hello", ",", "world", "!"]
/// ```
public enum BertPreTokenizer {
    /// The words of `text`, normalized, ready for WordPiece.
    public static func words(_ text: String) -> [String] {
        split(normalize(text))
    }

    /// Steps 1–4: the normalized text.
    public static func normalize(_ text: String) -> String {
        var cleaned = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || isControl(s) { continue }
            if isWhitespace(s) { cleaned.append(" "); continue }
            if isCJKIdeograph(s) {
                cleaned.append(" "); cleaned.append(s); cleaned.append(" ")
            } else {
                cleaned.append(s)
            }
        }
        let decomposed = String(cleaned).decomposedStringWithCanonicalMapping
        var out = String.UnicodeScalarView()
        for s in decomposed.unicodeScalars where s.properties.generalCategory != .nonspacingMark {
            if s.properties.changesWhenLowercased {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(s)
            }
        }
        return String(out)
    }

    /// Step 5: whitespace-separated words, each punctuation character a word of its own.
    public static func split(_ normalized: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
        }
        for s in normalized.unicodeScalars {
            if isWhitespace(s) {
                flush()
            } else if isPunctuation(s) {
                flush()
                words.append(String(s))
            } else {
                current.append(s)
            }
        }
        flush()
        return words
    }

    // MARK: Character classes (as in HF tokenizers' bert normalizer and pre-tokenizer)

    /// Tab, newline and carriage return count as whitespace; every other C* character is dropped.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// The Unicode White_Space property (spaces, Zs, line and paragraph separators).
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT isolates (not Hiragana, Katakana or Hangul).
    static func isCJKIdeograph(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }
}
