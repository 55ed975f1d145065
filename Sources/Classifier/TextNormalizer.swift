import Foundation

/// A text after Warden's evasion-resistant normalization: lower-case word tokens joined by single
/// spaces, as an array of Unicode scalar values (the form the feature hasher reads).
///
/// ```swift
/// TextNormalizer.normalize("Y0u  ＩＤＩＯＴ, k i l l  yourself!!!").string   // "you idiot kill yourself"
/// ```
public struct NormalizedText: Sendable, Equatable {
    /// Scalar values; tokens are separated by exactly one space (0x20).
    public var scalars: [UInt32]
    /// Each token's range in `scalars`.
    public var tokens: [Range<Int>]

    public init(scalars: [UInt32], tokens: [Range<Int>]) {
        self.scalars = scalars
        self.tokens = tokens
    }

    /// The normalized text as a `String` (for tests and debugging; the hot path never builds it).
    public var string: String {
        var s = String.UnicodeScalarView()
        for v in scalars { if let u = Unicode.Scalar(v) { s.append(u) } }
        return String(s)
    }

    /// The tokens as strings.
    public var words: [String] {
        tokens.map { r in
            var s = String.UnicodeScalarView()
            for v in scalars[r] { if let u = Unicode.Scalar(v) { s.append(u) } }
            return String(s)
        }
    }

    /// A sub-text made of tokens `range` (used for windows over long texts).
    public func slice(tokens range: Range<Int>) -> NormalizedText {
        guard !range.isEmpty else { return NormalizedText(scalars: [], tokens: []) }
        let start = tokens[range.lowerBound].lowerBound
        let end = tokens[range.upperBound - 1].upperBound
        let shifted = tokens[range].map { ($0.lowerBound - start)..<($0.upperBound - start) }
        return NormalizedText(scalars: Array(scalars[start..<end]), tokens: shifted)
    }
}

/// Normalization that defeats cheap evasion, applied before feature extraction:
///
/// 1. Unicode compatibility folding (NFKD, then combining marks dropped: full-width letters,
///    ligatures, circled letters and accents all fold to their base letters; this is NFKC plus
///    diacritic stripping),
/// 2. case folding, zero-width / format / control characters removed,
/// 3. homoglyphs: Cyrillic and Greek look-alikes mapped to Latin letters,
/// 4. tokens = runs of letters, digits, `@`, `$` (apostrophes inside words are dropped, `*` inside
///    words is kept, other punctuation separates),
/// 5. spaced-out letters joined: 3+ single-character tokens separated by short gaps
///    (`k i l l`, `k.i.l.l`, `k-i-l-l`) become one token,
/// 6. leetspeak inside words: 4→a 3→e 1→i 0→o 5→s 7→t @→a $→s (a digit only between letters, or
///    as the single leading character of a word of 3+ letters; `@`/`$` also at the start or end of
///    a word), so `covid19`, `mp3`, `15yo`, `10am` stay as they are,
/// 7. letter runs of 3 or more collapsed: to one for letters English rarely doubles (a i u y h k j q
///    v w x: `kiiiill` → `kill`, `fuuuuck` → `fuck`), to two for the others (`goooood` → `good`).
public enum TextNormalizer {
    static let space: UInt32 = 0x20
    static let newline: UInt32 = 0x0A

    public static func normalize(_ text: String) -> NormalizedText {
        let folded = fold(text)
        return tokenize(folded)
    }

    // MARK: - Stage 1: folding to lower-case scalars

    /// Folds `text` to lower-case scalars: whitespace becomes space (newline kept as 0x0A),
    /// control/format characters and combining marks are removed, homoglyphs mapped.
    static func fold(_ text: String) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(text.utf8.count)
        var ascii = true
        for b in text.utf8 where b >= 0x80 { ascii = false; break }
        if ascii {
            for b in text.utf8 {
                switch b {
                case 0x41...0x5A: out.append(UInt32(b) + 32)
                case 0x0A: out.append(newline)
                case 0x09, 0x0B, 0x0C, 0x0D: out.append(space)
                case 0x00...0x1F, 0x7F: continue
                default: out.append(UInt32(b))
                }
            }
            return out
        }
        let decomposed = text.decomposedStringWithCompatibilityMapping
        for u in decomposed.unicodeScalars {
            let v = u.value
            if v < 0x80 {
                switch v {
                case 0x41...0x5A: out.append(v + 32)
                case 0x0A: out.append(newline)
                case 0x09, 0x0B, 0x0C, 0x0D: out.append(space)
                case 0x00...0x1F, 0x7F: continue
                default: out.append(v)
                }
                continue
            }
            if let mapped = homoglyphs[v] { out.append(mapped); continue }
            let props = u.properties
            switch props.generalCategory {
            case .nonspacingMark, .enclosingMark, .spacingMark, .format, .control, .surrogate, .unassigned:
                // Zero-width space/joiners, bidi controls, soft hyphen (all .format), accents.
                continue
            case .spaceSeparator, .lineSeparator, .paragraphSeparator:
                out.append(v == 0x2028 || v == 0x2029 ? newline : space)
                continue
            default: break
            }
            if props.changesWhenLowercased {
                for l in props.lowercaseMapping.unicodeScalars {
                    out.append(homoglyphs[l.value] ?? l.value)
                }
            } else {
                out.append(v)
            }
        }
        return out
    }

    /// Cyrillic and Greek letters that look like Latin ones (lower- and upper-case), and a few
    /// typographic look-alikes. Applied after decomposition, before lower-casing.
    static let homoglyphs: [UInt32: UInt32] = {
        var m: [UInt32: UInt32] = [:]
        let pairs: [(String, Character)] = [
            // Cyrillic
            ("аА", "a"), ("вВ", "b"), ("сС", "c"), ("еЕёЁ", "e"), ("һҺ", "h"), ("іІ", "i"), ("јЈ", "j"),
            ("кК", "k"), ("мМ", "m"), ("нН", "h"), ("оО", "o"), ("рР", "p"), ("ѕЅ", "s"), ("тТ", "t"),
            ("уУ", "y"), ("хХ", "x"), ("ԁ", "d"), ("ԛ", "q"), ("ԝԜ", "w"), ("ӏ", "l"), ("ѵ", "v"), ("ɡ", "g"),
            // Greek
            ("αΑ", "a"), ("βΒ", "b"), ("εΕ", "e"), ("ηΗ", "n"), ("ιΙ", "i"), ("κΚ", "k"), ("μΜ", "m"),
            ("νΝ", "v"), ("οΟ", "o"), ("ρΡ", "p"), ("τΤ", "t"), ("υΥ", "u"), ("χΧ", "x"), ("γ", "y"),
            ("ζΖ", "z"), ("ω", "w"),
            // Latin look-alikes outside ASCII and typographic quotes
            ("ı", "i"), ("ȷ", "j"), ("ℓ", "l"), ("‘’ʼ′", "'"),
        ]
        for (chars, target) in pairs {
            let t = target.unicodeScalars.first!.value
            for c in chars.unicodeScalars { m[c.value] = t }
        }
        return m
    }()

    // MARK: - Stage 2: tokens, spaced-out letters, leetspeak, repeats

    @inline(__always) static func isASCIILetter(_ v: UInt32) -> Bool { v >= 0x61 && v <= 0x7A }
    @inline(__always) static func isDigit(_ v: UInt32) -> Bool { v >= 0x30 && v <= 0x39 }
    @inline(__always) static func isLeet(_ v: UInt32) -> Bool {
        switch v {
        case 0x34, 0x33, 0x31, 0x30, 0x35, 0x37, 0x40, 0x24: return true // 4 3 1 0 5 7 @ $
        default: return false
        }
    }
    @inline(__always) static func leetValue(_ v: UInt32) -> UInt32 {
        switch v {
        case 0x34, 0x40: return 0x61 // a
        case 0x33: return 0x65 // e
        case 0x31: return 0x69 // i
        case 0x30: return 0x6F // o
        case 0x35, 0x24: return 0x73 // s
        case 0x37: return 0x74 // t
        default: return v
        }
    }

    /// Letter (any script), digit, `@` or `$`.
    @inline(__always) static func isWordChar(_ v: UInt32) -> Bool {
        if v < 0x80 { return isASCIILetter(v) || isDigit(v) || v == 0x40 || v == 0x24 }
        guard let u = Unicode.Scalar(v) else { return false }
        let p = u.properties
        return p.isAlphabetic || p.numericType != nil
    }

    /// Non-ASCII symbol kept as a one-character token (emoji, pictographs).
    @inline(__always) static func isSymbolToken(_ v: UInt32) -> Bool {
        guard v >= 0x80, let u = Unicode.Scalar(v) else { return false }
        switch u.properties.generalCategory {
        case .otherSymbol, .mathSymbol: return true
        default: return false
        }
    }

    private struct RawToken {
        var start: Int
        var end: Int
        var gapBefore: Int      // scalars between the previous token and this one
        var newlineBefore: Bool
    }

    static func tokenize(_ f: [UInt32]) -> NormalizedText {
        // Raw tokens over the folded scalars.
        var raw: [RawToken] = []
        raw.reserveCapacity(f.count / 4 + 1)
        var i = 0
        let n = f.count
        var gap = 0
        var sawNewline = false
        // Chars of a token being built (apostrophes removed), in `buf`; tokens reference buf.
        var buf: [UInt32] = []
        buf.reserveCapacity(n)
        while i < n {
            let v = f[i]
            if isWordChar(v) {
                let start = buf.count
                while i < n {
                    let c = f[i]
                    if isWordChar(c) { buf.append(c); i += 1; continue }
                    // apostrophe inside a word: dropped; '*' inside a word: kept
                    if (c == 0x27 || c == 0x2A), i + 1 < n, buf.count > start {
                        var j = i
                        while j < n, f[j] == c { j += 1 }
                        if j < n, isWordChar(f[j]) {
                            if c == 0x2A { for _ in i..<j { buf.append(0x2A) } }
                            i = j
                            continue
                        }
                    }
                    break
                }
                raw.append(RawToken(start: start, end: buf.count, gapBefore: gap, newlineBefore: sawNewline))
                gap = 0
                sawNewline = false
            } else if isSymbolToken(v) {
                let start = buf.count
                buf.append(v)
                raw.append(RawToken(start: start, end: start + 1, gapBefore: gap, newlineBefore: sawNewline))
                gap = 0
                sawNewline = false
                i += 1
            } else {
                gap += 1
                if v == newline { sawNewline = true }
                i += 1
            }
        }

        var out: [UInt32] = []
        out.reserveCapacity(buf.count + raw.count)
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(raw.count)
        var tok: [UInt32] = []
        tok.reserveCapacity(64)

        var t = 0
        while t < raw.count {
            tok.removeAll(keepingCapacity: true)
            // Spaced-out letters: 3+ one-character tokens, gaps of 1–3 non-newline separators.
            var runEnd = t
            if raw[t].end - raw[t].start == 1, isSpaceable(buf[raw[t].start]) {
                var letters = isASCIILetter(buf[raw[t].start]) ? 1 : 0
                var k = t + 1
                while k < raw.count, raw[k].end - raw[k].start == 1, isSpaceable(buf[raw[k].start]),
                      raw[k].gapBefore <= 3, !raw[k].newlineBefore {
                    if isASCIILetter(buf[raw[k].start]) { letters += 1 }
                    k += 1
                }
                if k - t >= 3, letters >= 2 { runEnd = k - 1 }
            }
            for k in t...runEnd { tok.append(contentsOf: buf[raw[k].start..<raw[k].end]) }
            t = runEnd + 1

            applyLeet(&tok)
            let start = out.count
            if !out.isEmpty { out.append(space) }
            let tokStart = out.isEmpty ? 0 : start + 1
            // Collapse letter runs of 3+ to a single letter.
            var p = 0
            while p < tok.count {
                let c = tok[p]
                var q = p + 1
                while q < tok.count, tok[q] == c { q += 1 }
                let run = q - p
                if run >= 3, !isDigit(c) {
                    // Letters English rarely doubles collapse to one, the others to two:
                    // kiiiill → kill, fuuuuck → fuck, goooood → good, killlll → kill.
                    out.append(c)
                    if !rarelyDoubled(c) { out.append(c) }
                } else { for _ in 0..<run { out.append(c) } }
                p = q
            }
            ranges.append(tokStart..<out.count)
        }
        return NormalizedText(scalars: out, tokens: ranges)
    }

    @inline(__always) static func rarelyDoubled(_ v: UInt32) -> Bool {
        switch v {
        case 0x61, 0x69, 0x75, 0x79, 0x68, 0x6B, 0x6A, 0x71, 0x76, 0x77, 0x78: return true // a i u y h k j q v w x
        default: return !isASCIILetter(v)
        }
    }

    @inline(__always) static func isSpaceable(_ v: UInt32) -> Bool {
        isASCIILetter(v) || isLeet(v)
    }

    /// Leetspeak inside a word (see the type's documentation for the exact rule).
    static func applyLeet(_ tok: inout [UInt32]) {
        let n = tok.count
        guard n >= 2 else { return }
        var firstLetter = -1, lastLetter = -1, letters = 0
        var hasLeet = false
        for (k, c) in tok.enumerated() {
            if isASCIILetter(c) {
                if firstLetter < 0 { firstLetter = k }
                lastLetter = k
                letters += 1
            } else if isLeet(c) { hasLeet = true }
        }
        guard hasLeet, firstLetter >= 0 else { return }
        // Pass 1: interior characters (a letter somewhere on both sides, only letters/leet between).
        for k in 0..<n where isLeet(tok[k]) && k > firstLetter && k < lastLetter {
            var convert = true
            var a = k - 1
            while a >= 0, !isASCIILetter(tok[a]) { if !isLeet(tok[a]) { convert = false }; a -= 1 }
            var b = k + 1
            while b < n, !isASCIILetter(tok[b]) { if !isLeet(tok[b]) { convert = false }; b += 1 }
            if convert { tok[k] = leetValue(tok[k]) }
        }
        letters = tok.reduce(0) { $0 + (isASCIILetter($1) ? 1 : 0) }
        // Pass 2: leading and trailing characters.
        for k in 0..<n where isLeet(tok[k]) {
            let c = tok[k]
            let symbol = c == 0x40 || c == 0x24
            var convert = false
            if k < firstLetter {
                // A symbol directly before letters, or a single leading digit before 3+ letters.
                if symbol { convert = k == firstLetter - 1 && letters >= 2 }
                else { convert = k == 0 && firstLetter == 1 && letters >= 3 }
            } else if k > lastLetter {
                // Trailing: `$`/`@` only (a$$), never digits (covid19, mp3).
                convert = symbol && letters >= 1
                if convert {
                    for b in (lastLetter + 1)..<k where !(tok[b] == 0x40 || tok[b] == 0x24) { convert = false }
                }
            }
            if convert { tok[k] = leetValue(c) }
        }
    }
}
