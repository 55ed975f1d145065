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
        return tokenizeASCII(folded) ?? tokenize(folded)
    }

    // MARK: - Stage 1: folding to lower-case scalars

    /// Folds `text` to lower-case scalars: whitespace becomes space (newline kept as 0x0A),
    /// control/format characters and combining marks are removed, homoglyphs mapped.
    static func fold(_ text: String) -> [UInt32] {
        if let ascii = text.utf8.withContiguousStorageIfAvailable(foldASCII), let ascii { return ascii }
        var out: [UInt32] = []
        out.reserveCapacity(text.utf8.count)
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

    /// The ASCII fast path of `fold`: nil if the bytes are not all ASCII.
    static func foldASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt32]? {
        var high: UInt8 = 0
        for b in bytes { high |= b }
        guard high < 0x80 else { return nil }
        return [UInt32](unsafeUninitializedCapacity: bytes.count) { out, count in
            var k = 0
            for b in bytes {
                switch b {
                case 0x41...0x5A: out[k] = UInt32(b) + 32
                case 0x0A: out[k] = newline
                case 0x09, 0x0B, 0x0C, 0x0D: out[k] = space
                case 0x00...0x1F, 0x7F: continue
                default: out[k] = UInt32(b)
                }
                k += 1
            }
            count = k
        }
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
        var gapStart: Int       // where that gap starts in the folded scalars
        var foldedStart: Int    // where this token starts in the folded scalars
        var hasLeet: Bool       // contains a leetspeak character (4 3 1 0 5 7 @ $)
    }

    /// A token before leetspeak and repeat handling: a range of `buf` (raw tokens, then joined
    /// spaced-out runs appended after them).
    private struct Piece {
        var start: Int
        var end: Int
        var hasLeet: Bool
    }

    static func tokenize(_ folded: [UInt32]) -> NormalizedText {
        let n = folded.count
        var raw: [RawToken] = []
        raw.reserveCapacity(n / 4 + 1)
        // Chars of the tokens (apostrophes removed); tokens reference buf.
        var buf: [UInt32] = []
        buf.reserveCapacity(n + 16)
        folded.withUnsafeBufferPointer { f in
            var i = 0
            var gap = 0
            var gapStart = 0
            var sawNewline = false
            while i < n {
                let v = f[i]
                if isWordChar(v) {
                    let start = buf.count
                    let foldedStart = i
                    var leet = false
                    while i < n {
                        let c = f[i]
                        if isWordChar(c) {
                            if c < 0x61 && isLeet(c) { leet = true }
                            buf.append(c); i += 1; continue
                        }
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
                    raw.append(RawToken(start: start, end: buf.count, gapBefore: gap, newlineBefore: sawNewline,
                                        gapStart: gapStart, foldedStart: foldedStart, hasLeet: leet))
                    gap = 0
                    gapStart = i
                    sawNewline = false
                } else if isSymbolToken(v) {
                    let start = buf.count
                    buf.append(v)
                    raw.append(RawToken(start: start, end: start + 1, gapBefore: gap, newlineBefore: sawNewline,
                                        gapStart: gapStart, foldedStart: i, hasLeet: false))
                    gap = 0
                    sawNewline = false
                    i += 1
                    gapStart = i
                } else {
                    gap += 1
                    if v == newline { sawNewline = true }
                    i += 1
                }
            }
        }
        let pieces = joinSpacedRuns(raw, folded, &buf)
        let fullLeet = fullLeetContext(pieces, buf)
        return emit(pieces, buf, fullLeet: fullLeet)
    }

    /// One pass over folded ASCII text for the common case, giving exactly what `tokenize` gives;
    /// nil (use `tokenize`) when the text is not all ASCII, has a spaced-out run (3+ one-character
    /// tokens with 2+ letters and short gaps), or has tokens in fully leetspeaked text.
    static func tokenizeASCII(_ f: [UInt32]) -> NormalizedText? {
        let n = f.count
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(n / 4 + 1)
        var tok: [UInt32] = []
        var flags: [UInt8] = []
        flags.reserveCapacity(n / 4 + 1)
        var failed = false
        let scalars = [UInt32](unsafeUninitializedCapacity: n) { out, count in
            count = 0
            let ok = f.withUnsafeBufferPointer { f -> Bool in
                var o = 0             // next write position in out
                var i = 0
                var gap = 0, newlineInGap = false
                var chain = 0, chainLetters = 0   // current chain of one-character spaceable tokens
                while i < n {
                    let v = f[i]
                    guard v < 0x80 else { return false }
                    guard isWordChar(v) else {
                        gap += 1
                        if v == newline { newlineInGap = true }
                        i += 1
                        continue
                    }
                    // A token: its characters go to out as they are, then leet / repeats are fixed in place.
                    if o > 0 { out[o] = space; o += 1 }
                    let start = o
                    var hasLeet = false, hasLetter = false, hasVowel = false, repeats = false
                    while i < n {
                        let c = f[i]
                        guard c < 0x80 else { return false }
                        if isWordChar(c) {
                            if isASCIILetter(c) {
                                hasLetter = true
                                if isLeetVowel(c) { hasVowel = true }
                            } else if isLeet(c) { hasLeet = true }
                            if !repeats, o - start >= 2, out[o - 1] == c, out[o - 2] == c, !isDigit(c) { repeats = true }
                            out[o] = c; o += 1; i += 1
                            continue
                        }
                        // apostrophe inside a word: dropped; '*' inside a word: kept
                        if (c == 0x27 || c == 0x2A), i + 1 < n, o > start {
                            var j = i
                            while j < n, f[j] == c { j += 1 }
                            if j < n, isWordChar(f[j]) {
                                if c == 0x2A {
                                    for _ in i..<j { out[o] = 0x2A; o += 1 }
                                    if j - i >= 3 { repeats = true }
                                }
                                i = j
                                continue
                            }
                        }
                        break
                    }
                    // Spaced-out runs: a maximal chain of 3+ one-character spaceable tokens with 2+ letters.
                    if o - start == 1, isSpaceable(out[start]) {
                        if chain > 0, gap <= 3, !newlineInGap { chain += 1 } else { chain = 1; chainLetters = 0 }
                        if isASCIILetter(out[start]) { chainLetters += 1 }
                        if chain >= 3, chainLetters >= 2 { return false }
                    } else {
                        chain = 0
                    }
                    gap = 0
                    newlineInGap = false
                    flags.append(LeetFlags.make(letters: hasLetter, leet: hasLeet, vowel: hasVowel))
                    if hasLeet, hasLetter {
                        tok.removeAll(keepingCapacity: true)
                        for p in start..<o { tok.append(out[p]) }
                        applyLeet(&tok)
                        o = start
                        tok.withUnsafeBufferPointer { t in appendCollapsed(t, 0..<t.count, to: out, at: &o) }
                    } else if repeats {
                        // In place: the collapsed token is never longer.
                        let end = o
                        o = start
                        appendCollapsed(UnsafeBufferPointer(out), start..<end, to: out, at: &o)
                    }
                    ranges.append(start..<o)
                }
                count = o
                return true
            }
            if !ok { count = 0; failed = true }
        }
        if failed { return nil }
        // Tokens in fully leetspeaked text are repaired differently: leave those texts to `tokenize`.
        if fullLeetContext(flags) != nil { return nil }
        return NormalizedText(scalars: scalars, tokens: ranges)
    }

    /// `appendCollapsed` writing into a buffer at `o` (which may be the source itself, at or before the read position).
    @inline(__always)
    private static func appendCollapsed(_ s: UnsafeBufferPointer<UInt32>, _ r: Range<Int>, to out: UnsafeMutableBufferPointer<UInt32>, at o: inout Int) {
        var p = r.lowerBound
        let end = r.upperBound
        while p < end {
            let c = s[p]
            if p + 2 < end, s[p + 1] == c, s[p + 2] == c, !isDigit(c) {
                var q = p + 3
                while q < end, s[q] == c { q += 1 }
                out[o] = c; o += 1
                if !rarelyDoubled(c) { out[o] = c; o += 1 }
                p = q
            } else {
                out[o] = c; o += 1
                p += 1
            }
        }
    }

    /// Pieces of the text: raw tokens, with spaced-out letters joined. A spaced-out run is 3+
    /// one-character tokens (letters or leet digits, 2+ letters) separated by gaps of 1–3
    /// non-newline characters. Inside a run, the gaps between letters are the most frequent of the
    /// shortest gaps; a gap that differs from them and is longer, or holds a space, `/`, `|` or `.`,
    /// separates words: `k i l l  y o u` and `k.i.l.l / y.o.u` → `kill you`; an apostrophe between
    /// letter gaps does not (`d o n ' t` → `dont`).
    private static func joinSpacedRuns(_ raw: [RawToken], _ folded: [UInt32], _ buf: inout [UInt32]) -> [Piece] {
        var pieces: [Piece] = []
        pieces.reserveCapacity(raw.count)
        var t = 0
        while t < raw.count {
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
            if runEnd == t {
                pieces.append(Piece(start: raw[t].start, end: raw[t].end, hasLeet: raw[t].hasLeet))
                t += 1
                continue
            }
            // Word boundaries inside the run.
            let gaps = (t + 1...runEnd).map { gapKey(folded, raw[$0].gapStart..<raw[$0].foldedStart) }
            let shortest = gaps.map(\.length).min()!
            var freq: [UInt64: Int] = [:]
            for g in gaps where g.length == shortest { freq[g.key, default: 0] += 1 }
            let letterGap = freq.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!.key
            var wordStart = t
            for k in t...runEnd {
                let last = k == runEnd
                let boundary = !last && {
                    let g = gaps[k - t]
                    // An apostrophe between letter gaps is inside a word (`d o n ' t`).
                    if g.apostrophe, g.length <= 2 * shortest + 1 { return false }
                    return g.key != letterGap && (g.length > shortest || g.separates)
                }()
                guard last || boundary else { continue }
                if wordStart == k {
                    pieces.append(Piece(start: raw[k].start, end: raw[k].end, hasLeet: raw[k].hasLeet))
                } else {
                    let start = buf.count
                    var leet = false
                    for j in wordStart...k { buf.append(buf[raw[j].start]); leet = leet || raw[j].hasLeet }
                    pieces.append(Piece(start: start, end: buf.count, hasLeet: leet))
                }
                wordStart = k + 1
            }
            t = runEnd + 1
        }
        return pieces
    }

    /// A gap's characters packed into a key (at most 3 scalars of 21 bits), its length, whether it
    /// holds a space, `/`, `|` or `.`, and whether it holds an apostrophe.
    private static func gapKey(_ f: [UInt32], _ r: Range<Int>) -> (key: UInt64, length: Int, separates: Bool, apostrophe: Bool) {
        var key: UInt64 = 0
        var separates = false, apostrophe = false
        for p in r {
            key = (key << 21) | UInt64(f[p])
            if f[p] == space || f[p] == 0x2F || f[p] == 0x7C || f[p] == 0x2E { separates = true }
            if f[p] == 0x27 { apostrophe = true }
        }
        return (key, r.count, separates, apostrophe)
    }

    /// Per piece: whether it sits in fully leetspeaked text, where every word is written with
    /// leet characters (`Wr173 4 m3554g3 73ll1ng my n31ghb0ur`). Among the pieces with letters within
    /// `leetRadius` pieces on either side: at least 3 contain leet characters, they are at least half,
    /// and at least 60 % contain none of the vowels a e i o (leetspeak replaces them). Ordinary text
    /// with alphanumerics (`covid19 mp3 10am 15yo`) keeps its vowels and does not qualify.
    private static func fullLeetContext(_ pieces: [Piece], _ buf: [UInt32]) -> [Bool]? {
        var leetPieces = 0
        for p in pieces where p.hasLeet { leetPieces += 1 }
        guard leetPieces >= 3 else { return nil }
        let flags = pieces.map { p -> UInt8 in
            var letters = false, vowel = false
            for c in buf[p.start..<p.end] where isASCIILetter(c) {
                letters = true
                if isLeetVowel(c) { vowel = true }
            }
            return LeetFlags.make(letters: letters, leet: p.hasLeet, vowel: vowel)
        }
        return fullLeetContext(flags)
    }

    /// Per-piece facts the full-leetspeak context reads.
    enum LeetFlags {
        static let lettered: UInt8 = 1, mixed: UInt8 = 2, vowelless: UInt8 = 4, leet: UInt8 = 8
        @inline(__always) static func make(letters: Bool, leet: Bool, vowel: Bool) -> UInt8 {
            (letters ? lettered : 0) | (letters && leet ? mixed : 0) | (letters && !vowel ? vowelless : 0) | (leet ? Self.leet : 0)
        }
    }

    @inline(__always) static func isLeetVowel(_ c: UInt32) -> Bool { c == 0x61 || c == 0x65 || c == 0x69 || c == 0x6F }

    /// The full-leetspeak context of every piece from its `LeetFlags` (nil: none).
    static func fullLeetContext(_ flags: [UInt8]) -> [Bool]? {
        // Prefix sums of: has letters, has letters and leet, has letters and no vowel a e i o.
        var lettered = [Int](repeating: 0, count: flags.count + 1)
        var mixed = lettered, vowelless = lettered
        for (k, f) in flags.enumerated() {
            lettered[k + 1] = lettered[k] + Int(f & LeetFlags.lettered)
            mixed[k + 1] = mixed[k] + (f & LeetFlags.mixed != 0 ? 1 : 0)
            vowelless[k + 1] = vowelless[k] + (f & LeetFlags.vowelless != 0 ? 1 : 0)
        }
        guard mixed[flags.count] >= 3 else { return nil }
        var out = [Bool](repeating: false, count: flags.count)
        var any = false
        for k in flags.indices where flags[k] & LeetFlags.leet != 0 {
            let lo = max(0, k - leetRadius), hi = min(flags.count, k + leetRadius + 1)
            let l = lettered[hi] - lettered[lo], m = mixed[hi] - mixed[lo], v = vowelless[hi] - vowelless[lo]
            if m >= 3, 2 * m >= l, 10 * v >= 6 * l { out[k] = true; any = true }
        }
        return any ? out : nil
    }

    static let leetRadius = 8

    /// Leetspeak repair and repeated-letter collapse of every piece, joined by single spaces.
    private static func emit(_ pieces: [Piece], _ buf: [UInt32], fullLeet: [Bool]?) -> NormalizedText {
        var out: [UInt32] = []
        out.reserveCapacity(buf.count + pieces.count)
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(pieces.count)
        var tok: [UInt32] = []
        tok.reserveCapacity(64)
        buf.withUnsafeBufferPointer { b in
            for (k, piece) in pieces.enumerated() {
                if !out.isEmpty { out.append(space) }
                let tokStart = out.count
                if piece.hasLeet {
                    tok.removeAll(keepingCapacity: true)
                    for p in piece.start..<piece.end { tok.append(b[p]) }
                    if let fullLeet, fullLeet[k] { applyFullLeet(&tok) } else { applyLeet(&tok) }
                    tok.withUnsafeBufferPointer { appendCollapsed($0, 0..<$0.count, to: &out) }
                } else {
                    appendCollapsed(b, piece.start..<piece.end, to: &out)
                }
                ranges.append(tokStart..<out.count)
            }
        }
        return NormalizedText(scalars: out, tokens: ranges)
    }

    /// Appends `s[r]` with letter runs of 3+ collapsed: to one for letters English rarely doubles,
    /// to two for the others (kiiiill → kill, fuuuuck → fuck, goooood → good, killlll → kill).
    @inline(__always)
    private static func appendCollapsed(_ s: UnsafeBufferPointer<UInt32>, _ r: Range<Int>, to out: inout [UInt32]) {
        var p = r.lowerBound
        let end = r.upperBound
        while p < end {
            let c = s[p]
            if p + 2 < end, s[p + 1] == c, s[p + 2] == c, !isDigit(c) {
                var q = p + 3
                while q < end, s[q] == c { q += 1 }
                out.append(c)
                if !rarelyDoubled(c) { out.append(c) }
                p = q
            } else {
                out.append(c)
                p += 1
            }
        }
    }

    /// Leetspeak in fully leetspeaked text: a lone `4` or `1` is `a` or `i`, two or three leet
    /// digits are a short word (`70` → `to`, `175` → `its`); a token of letters and leet characters
    /// only has all of them replaced (`73ll1ng` → `telling`, `h15` → `his`).
    /// Other tokens get the ordinary rule (`applyLeet`).
    static func applyFullLeet(_ tok: inout [UInt32]) {
        if tok.count == 1 {
            if tok[0] == 0x34 { tok[0] = 0x61 } else if tok[0] == 0x31 { tok[0] = 0x69 }
            return
        }
        // Two or three leet digits are a short word (70 → to, 50 → so, 175 → its); longer numbers stay.
        if tok.count <= 3, tok.allSatisfy({ isDigit($0) && isLeet($0) }) {
            for k in tok.indices { tok[k] = leetValue(tok[k]) }
            return
        }
        var letters = 0
        for c in tok {
            if isASCIILetter(c) { letters += 1 } else if !isLeet(c) { applyLeet(&tok); return }
        }
        guard letters > 0 else { applyLeet(&tok); return }
        for k in tok.indices where isLeet(tok[k]) { tok[k] = leetValue(tok[k]) }
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
