import Foundation

/// Rules written by the project for the two categories the public data has no positives for.
///
/// - `sexual/minors` = `sexual` score × `minorIndicator` (0…1): explicit words for minors,
///   ages under 18 written as digits or words next to "year(s) old" / "yo" / "aged", school grades.
/// - `violence/graphic` = `violence` score × `goreIndicator` (0…1): similarity to a set of gore
///   descriptors (1 − e^(−Σ weights of matched descriptors)).
///
/// Both read the normalized tokens (after leetspeak, homoglyph and spacing repair), so the same
/// evasion that the model resists does not get past the rules.
public enum SafetyRules {
    /// Words that by themselves indicate a minor (weight 1) or probably do (weight < 1).
    static let minorWords: [String: Float] = [
        "child": 1, "children": 1, "childs": 1, "kid": 1, "kids": 1, "kiddie": 1, "kiddy": 1,
        "minor": 1, "minors": 1, "underage": 1, "underaged": 1, "preteen": 1, "preteens": 1,
        "prepubescent": 1, "pubescent": 1, "toddler": 1, "toddlers": 1, "infant": 1, "infants": 1,
        "schoolgirl": 1, "schoolgirls": 1, "schoolboy": 1, "schoolboys": 1, "loli": 1, "lolis": 1,
        "lolicon": 1, "shota": 1, "shotacon": 1, "jailbait": 1, "pedo": 1, "pedos": 1, "paedo": 1,
        "pedophile": 1, "paedophile": 1, "pedophilia": 1, "paedophilia": 1, "cp": 0.6,
        "teen": 0.8, "teens": 0.8, "teenage": 0.8, "teenager": 0.8, "teenagers": 0.8, "tween": 1,
        "tweens": 1, "youngster": 0.8, "youngsters": 0.8, "juvenile": 0.8, "juveniles": 0.8,
        "boyhood": 0.6, "girlhood": 0.6, "babysitter": 0.5, "babysitting": 0.5,
        "stepdaughter": 0.6, "daughter": 0.5, "niece": 0.5, "nephew": 0.5, "son": 0.3,
        "highschool": 0.8, "kindergarten": 1, "kindergartner": 1, "elementary": 0.6, "pupil": 0.6,
        "pupils": 0.6, "grader": 0.9, "graders": 0.9, "middleschool": 0.9, "puberty": 0.8,
    ]

    /// Two-word phrases (normalized tokens) and their weight.
    static let minorPhrases: [String: Float] = [
        "little girl": 1, "little girls": 1, "little boy": 1, "little boys": 1, "young girl": 0.8,
        "young girls": 0.8, "young boy": 0.8, "young boys": 0.8, "high school": 0.8,
        "middle school": 0.9, "grade school": 1, "primary school": 1, "elementary school": 1,
        "junior high": 0.9, "under age": 1, "under 18": 1, "under eighteen": 1, "not 18": 0.8,
        "barely legal": 0.5, "school uniform": 0.5,
    ]

    static let numberWords: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
        "fifteen": 15, "sixteen": 16, "seventeen": 17,
        "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
        "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    ]

    static let ageUnits: Set<String> = ["yo", "yr", "yrs", "year", "years", "y", "yearold", "yearolds"]
    static let gradeWords: Set<String> = ["grade", "grader", "graders", "form", "year"]

    // MARK: Hashed lexicons (the hot path never builds strings)

    /// FNV-1a state (before finishing) of a token's scalars.
    @inline(__always) static func state(_ s: UnsafeBufferPointer<UInt32>, _ r: Range<Int>, from h0: UInt64 = StableHash.offset) -> UInt64 {
        var h = h0
        for p in r { h = StableHash.step(h, s[p]) }
        return h
    }

    static func key(_ word: String) -> UInt64 { StableHash.hash(word) }

    /// All lexicons as hashed lookup tables, built once.
    struct Tables: Sendable {
        let minorWord = KeyTable(minorWords.map { (key($0.key), $0.value) })
        let minorPhrase = KeyTable(minorPhrases.map { (key($0.key), $0.value) })
        let number = KeyTable(numberWords.map { (key($0.key), Float($0.value)) })
        let ageUnit = KeyTable(ageUnits.map { (key($0), 1) })
        let strongAgeUnit = KeyTable(["yo", "yr", "yrs", "y", "yearold"].map { (key($0), 1) })
        let old = KeyTable(["old", "olds"].map { (key($0), 1) })
        let ageWord = KeyTable(["aged", "age"].map { (key($0), 1) })
        let grade = KeyTable(["grade", "grader", "graders"].map { (key($0), 1) })
        let goreStem = KeyTable(goreStems.filter { $0.1 > 0 }.map { (key($0.0), $0.1) })
        let gorePhrase = KeyTable(gorePhrases.map { (key($0.key), $0.value) })
        let goreStemMin = goreStems.map { $0.0.unicodeScalars.count }.min()!
        let goreStemMax = goreStems.map { $0.0.unicodeScalars.count }.max()!
        /// Bit (a·26 + b) set when some gore stem starts with the ASCII letters a, b.
        let goreStarts: [UInt64] = {
            var bits = [UInt64](repeating: 0, count: 11)
            for (stem, _) in goreStems {
                let u = Array(stem.unicodeScalars.map(\.value))
                let i = Int(u[0] - 0x61) * 26 + Int(u[1] - 0x61)
                bits[i >> 6] |= 1 << UInt64(i & 63)
            }
            return bits
        }()

        /// Whether a token starting with scalars a, b can match a gore stem (non-letters: maybe).
        @inline(__always) func goreStart(_ a: UInt32, _ b: UInt32) -> Bool {
            guard a >= 0x61, a <= 0x7A, b >= 0x61, b <= 0x7A else { return true }
            let i = Int(a - 0x61) * 26 + Int(b - 0x61)
            return goreStarts[i >> 6] & (1 << UInt64(i & 63)) != 0
        }
    }
    static let tables = Tables()
    static let ordinalSuffixes: Set<String> = ["th", "st", "nd", "rd"]

    /// 0…1: how strongly the tokens indicate that a minor is involved.
    public static func minorIndicator(_ words: [String]) -> Float {
        let t = text(words)
        return minorIndicator(t, tokens: 0..<t.tokens.count)
    }

    static func text(_ words: [String]) -> NormalizedText {
        var scalars: [UInt32] = []
        var ranges: [Range<Int>] = []
        for w in words {
            if !scalars.isEmpty { scalars.append(0x20) }
            let s = scalars.count
            scalars += w.unicodeScalars.map(\.value)
            ranges.append(s..<scalars.count)
        }
        return NormalizedText(scalars: scalars, tokens: ranges)
    }

    public static func minorIndicator(_ text: NormalizedText, tokens range: Range<Int>) -> Float {
        guard !range.isEmpty else { return 0 }
        let T = tables
        return text.scalars.withUnsafeBufferPointer { s -> Float in
            var keys = [UInt64](repeating: 0, count: range.count)
            var states = [UInt64](repeating: 0, count: range.count)
            for (k, t) in range.enumerated() {
                states[k] = state(s, text.tokens[t])
                keys[k] = StableHash.fmix(states[k])
            }
            @inline(__always) func number(_ k: Int) -> Int? {
                let r = text.tokens[range.lowerBound + k]
                if let n = T.number[keys[k]] { return Int(n) }
                guard r.count <= 3, r.allSatisfy({ s[$0] >= 0x30 && s[$0] <= 0x39 }) else { return nil }
                return r.reduce(0) { $0 * 10 + Int(s[$1] - 0x30) }
            }
            var best: Float = 0
            let n = range.count
            for k in 0..<n {
                if let v = T.minorWord[keys[k]] { best = max(best, v) }
                if k + 1 < n {
                    let pair = StableHash.fmix(state(s, text.tokens[range.lowerBound + k + 1], from: StableHash.step(states[k], 0x20)))
                    if let v = T.minorPhrase[pair] { best = max(best, v) }
                }
                if best >= 1 { return 1 }
                let r = text.tokens[range.lowerBound + k]
                let c0 = s[r.lowerBound]
                if c0 >= 0x30 && c0 <= 0x39, r.contains(where: { s[$0] < 0x30 || s[$0] > 0x39 }) {
                    // "15yo", "12yrs", "8th grade"
                    var w = String.UnicodeScalarView()
                    for p in r { w.append(Unicode.Scalar(s[p])!) }
                    if let age = leadingAge(String(w)), !age.rest.isEmpty {
                        if ageUnits.contains(age.rest), age.value < 18 { return 1 }
                        if ordinalSuffixes.contains(age.rest), age.value <= 12, k + 1 < n, T.grade.contains(keys[k + 1]) { return 1 }
                    }
                }
                if let v = number(k), v > 0, v < 18 {
                    if k + 1 < n, T.ageUnit.contains(keys[k + 1]) {
                        // "5 years ago" / "3 years of experience" do not count: require "old" or a unit like "yo".
                        if T.strongAgeUnit.contains(keys[k + 1]) { return 1 }
                        if k + 2 < n, T.old.contains(keys[k + 2]) { return 1 }
                    }
                    if k > 0, T.ageWord.contains(keys[k - 1]) { return 1 }
                    if k + 1 < n, T.grade.contains(keys[k + 1]) { return 1 }
                    if k > 0, T.grade.contains(keys[k - 1]) { return 1 }
                }
            }
            return best
        }
    }

    /// Splits "15yo" into (15, "yo").
    static func leadingAge(_ w: String) -> (value: Int, rest: String)? {
        var digits = 0
        var value = 0
        for u in w.unicodeScalars {
            guard u.value >= 0x30, u.value <= 0x39 else { break }
            digits += 1
            value = value * 10 + Int(u.value - 0x30)
            if digits > 3 { return nil }
        }
        guard digits > 0 else { return nil }
        return (value, String(w.unicodeScalars.dropFirst(digits)))
    }

    /// Gore descriptors written by the project: word stems (prefix match on a token) with weights.
    static let goreStems: [(String, Float)] = [
        ("gore", 1), ("gory", 1), ("dismember", 1.2), ("disembowel", 1.5), ("entrail", 1.5),
        ("intestine", 1), ("innards", 1.2), ("viscera", 1.5), ("eviscerat", 1.5), ("decapitat", 1.2),
        ("behead", 1), ("mutilat", 1.2), ("severed", 1), ("splatter", 1), ("spatter", 1),
        ("gushing", 0.6), ("gushed", 0.6), ("spurting", 0.8), ("spurted", 0.8), ("flayed", 1.2),
        ("skinned", 0.6), ("maggot", 0.8), ("putrid", 0.6), ("rotting", 0.6), ("decompos", 0.6),
        ("mangled", 1), ("gouged", 1), ("impaled", 1), ("charred", 0.6), ("brains", 0.6),
        ("bloodbath", 1), ("bloodsoaked", 1), ("bloody", 0.4), ("blood", 0.35), ("bled", 0.35),
        ("bleeding", 0.35), ("gash", 0.6), ("corpse", 0.4), ("carcass", 0.4), ("torso", 0.4),
        ("flesh", 0.5), ("guts", 0.8), ("skull", 0.4), ("organs", 0.5), ("crushed", 0.3),
        ("tortur", 0.5), ("slaughter", 0.5), ("butcher", 0.5), ("dissect", 0.5), ("limbs", 0.4),
        ("headless", 0.8),
    ]

    static let gorePhrases: [String: Float] = [
        "burned alive": 1.2, "burnt alive": 1.2, "skinned alive": 1.5, "ripped open": 1, "torn apart": 0.8,
        "torn open": 1, "pool of": 0.4, "exposed bone": 1.5, "bone protruding": 1.5, "brain matter": 1.5,
        "cut open": 0.8, "slit throat": 1.2, "slit his": 0.8, "slit her": 0.8, "eyes gouged": 1.5,
        "blood everywhere": 1, "body parts": 1, "spilled out": 0.8, "spilling out": 0.8, "hacked to": 1,
        "chopped up": 0.8, "bits of": 0.3,
    ]


    /// 0…1: similarity of the tokens to the gore descriptors.
    public static func goreIndicator(_ words: [String]) -> Float {
        let t = text(words)
        return goreIndicator(t, tokens: 0..<t.tokens.count)
    }

    /// The weight of the longest gore stem that is a prefix of the token `r`, and the hash state and
    /// length where the prefix walk stopped (the whole token's state when `length == r.count`).
    @inline(__always)
    static func longestGoreStem(_ s: UnsafeBufferPointer<UInt32>, _ r: Range<Int>) -> (value: Float, state: UInt64, length: Int) {
        let T = tables
        var h = StableHash.offset
        var best: Float = 0
        var len = 0
        for p in r {
            h = StableHash.step(h, s[p])
            len += 1
            if len > T.goreStemMax { break }
            if len >= T.goreStemMin, let v = T.goreStem[StableHash.fmix(h)] { best = v }
        }
        return (best, h, len)
    }

    public static func goreIndicator(_ text: NormalizedText, tokens range: Range<Int>) -> Float {
        guard !range.isEmpty else { return 0 }
        let T = tables
        return text.scalars.withUnsafeBufferPointer { s -> Float in
            var total: Float = 0
            var prevState: UInt64 = 0
            for (k, t) in range.enumerated() {
                let r = text.tokens[t]
                let (best, h, len) = longestGoreStem(s, r)
                total += best
                let full = len == r.count ? h : state(s, r)
                if k > 0 {
                    let pair = StableHash.fmix(state(s, r, from: StableHash.step(prevState, 0x20)))
                    if let v = T.gorePhrase[pair] { total += v }
                }
                prevState = full
            }
            return 1 - expf(-total)
        }
    }
}

/// The rules' per-token evidence over a whole text, computed once, so the overlapping windows of a
/// long text read it instead of hashing their tokens again. For every window `w`,
/// `minor(w)` == `SafetyRules.minorIndicator(text, tokens: w)` and `gore(w)` ==
/// `SafetyRules.goreIndicator(text, tokens: w)`, bit for bit (same matches, same summation order).
///
/// ```swift
/// var e = RuleEvidence(text)
/// for w in windows { e.minor(w); e.gore(w) }
/// ```
struct RuleEvidence {
    let text: NormalizedText
    private var hashes: TokenHashes?
    private var minorTable: MinorEvidence?
    private var goreTable: GoreEvidence?

    init(_ text: NormalizedText) { self.text = text }

    private mutating func tokenHashes() -> TokenHashes {
        if hashes == nil { hashes = TokenHashes(text) }
        return hashes!
    }

    mutating func minor(_ window: Range<Int>) -> Float {
        guard !window.isEmpty else { return 0 }
        if minorTable == nil { minorTable = MinorEvidence(text, tokenHashes()) }
        return minorTable!.indicator(window)
    }

    mutating func gore(_ window: Range<Int>) -> Float {
        guard !window.isEmpty else { return 0 }
        if goreTable == nil { goreTable = GoreEvidence(text, tokenHashes()) }
        return goreTable!.indicator(window)
    }
}

/// The lexicon keys of every token and of every pair of neighbouring tokens, hashed once for both
/// rules: `keys[t]` = `StableHash.hash(token t)`, `pairKeys[t]` = `StableHash.hash("token(t−1) token(t)")`.
struct TokenHashes {
    var states: [UInt64]
    var keys: [UInt64]
    var pairKeys: [UInt64]

    init(_ text: NormalizedText) {
        let n = text.tokens.count
        var states = [UInt64](repeating: 0, count: n)
        var keys = states, pairKeys = states
        text.scalars.withUnsafeBufferPointer { s in
            text.tokens.withUnsafeBufferPointer { toks in
                for t in 0..<n {
                    states[t] = SafetyRules.state(s, toks[t])
                    keys[t] = StableHash.fmix(states[t])
                    if t > 0 { pairKeys[t] = StableHash.fmix(SafetyRules.state(s, toks[t], from: StableHash.step(states[t - 1], 0x20))) }
                }
            }
        }
        self.states = states
        self.keys = keys
        self.pairKeys = pairKeys
    }
}

/// Per token t of a text: the minor-word weight, the weight of the phrase (t, t+1), and which
/// age patterns anchored at t fire, by the neighbours they need (t alone, t+1, t+2, t−1).
/// Filled lazily as windows are read: a window stops at its first certain match, as
/// `SafetyRules.minorIndicator` does, so the tokens after it are never looked up.
struct MinorEvidence {
    let text: NormalizedText
    private let keys: [UInt64]
    private let pairKeys: [UInt64]
    /// The lexicons, read once (not `SafetyRules.tables` per token: copying that struct retains every table).
    private let T = SafetyRules.tables
    private var word: [Float]
    private var phrase: [Float]
    /// Bit 0: fires alone; 1: needs t+1 in the window; 2: needs t+2; 3: needs t−1; 7: computed.
    private var hits: [UInt8]

    init(_ text: NormalizedText, _ hashes: TokenHashes) {
        self.text = text
        keys = hashes.keys
        pairKeys = hashes.pairKeys
        let n = text.tokens.count
        word = [Float](repeating: 0, count: n)
        phrase = word
        hits = [UInt8](repeating: 0, count: n)
    }

    private func number(_ t: Int) -> Int? {
        if let v = T.number[keys[t]] { return Int(v) }
        let r = text.tokens[t]
        return text.scalars.withUnsafeBufferPointer { s -> Int? in
            guard r.count <= 3, r.allSatisfy({ s[$0] >= 0x30 && s[$0] <= 0x39 }) else { return nil }
            return r.reduce(0) { $0 * 10 + Int(s[$1] - 0x30) }
        }
    }

    private mutating func compute(_ t: Int) {
        let n = text.tokens.count
        word[t] = T.minorWord[keys[t]] ?? 0
        if t + 1 < n { phrase[t] = T.minorPhrase[pairKeys[t + 1]] ?? 0 }
        var h: UInt8 = 0x80
        let r = text.tokens[t]
        let c0 = text.scalars[r.lowerBound]
        if c0 >= 0x30 && c0 <= 0x39, r.contains(where: { text.scalars[$0] < 0x30 || text.scalars[$0] > 0x39 }) {
            var w = String.UnicodeScalarView()
            for p in r { w.append(Unicode.Scalar(text.scalars[p])!) }
            if let age = SafetyRules.leadingAge(String(w)), !age.rest.isEmpty {
                if SafetyRules.ageUnits.contains(age.rest), age.value < 18 { h |= 1 }
                if SafetyRules.ordinalSuffixes.contains(age.rest), age.value <= 12, t + 1 < n, T.grade.contains(keys[t + 1]) { h |= 2 }
            }
        }
        if let v = number(t), v > 0, v < 18 {
            if t + 1 < n, T.ageUnit.contains(keys[t + 1]) {
                if T.strongAgeUnit.contains(keys[t + 1]) { h |= 2 }
                if t + 2 < n, T.old.contains(keys[t + 2]) { h |= 4 }
            }
            if t > 0, T.ageWord.contains(keys[t - 1]) { h |= 8 }
            if t + 1 < n, T.grade.contains(keys[t + 1]) { h |= 2 }
            if t > 0, T.grade.contains(keys[t - 1]) { h |= 8 }
        }
        hits[t] = h
    }

    /// The indicator of the window, as `SafetyRules.minorIndicator(text, tokens: window)` computes it.
    mutating func indicator(_ window: Range<Int>) -> Float {
        var best: Float = 0
        let lo = window.lowerBound, hi = window.upperBound
        for t in window {
            if hits[t] == 0 { compute(t) }
            best = max(best, word[t])
            if t + 1 < hi { best = max(best, phrase[t]) }
            if best >= 1 { return 1 }
            let h = hits[t]
            if h & 1 != 0 { return 1 }
            if h & 2 != 0, t + 1 < hi { return 1 }
            if h & 4 != 0, t + 2 < hi { return 1 }
            if h & 8 != 0, t > lo { return 1 }
        }
        return best
    }
}

/// Per token t of a text: the weight of its longest gore stem and of the gore phrase (t−1, t).
struct GoreEvidence {
    var stem: [Float]
    var pair: [Float]

    init(_ text: NormalizedText, _ hashes: TokenHashes) {
        let n = text.tokens.count
        var stem = [Float](repeating: 0, count: n)
        var pair = [Float](repeating: 0, count: n)
        let T = SafetyRules.tables
        text.scalars.withUnsafeBufferPointer { s in
            text.tokens.withUnsafeBufferPointer { toks in
                for t in 0..<n {
                    let r = toks[t]
                    // Longest matching stem (prefix) of the token; most tokens start with no stem's
                    // first two letters and skip the prefix lookups.
                    let starts = r.count < 2 || T.goreStart(s[r.lowerBound], s[r.lowerBound + 1])
                    stem[t] = starts ? SafetyRules.longestGoreStem(s, r).value : 0
                    if t > 0 { pair[t] = T.gorePhrase[hashes.pairKeys[t]] ?? 0 }
                }
            }
        }
        self.stem = stem
        self.pair = pair
    }

    /// The indicator of the window, as `SafetyRules.goreIndicator(text, tokens: window)` computes it.
    func indicator(_ window: Range<Int>) -> Float {
        var total: Float = 0
        for t in window {
            total += stem[t]
            if t > window.lowerBound { total += pair[t] }
        }
        return 1 - expf(-total)
    }
}

/// A small open-addressing table from well-mixed 64-bit keys to values (faster than `Dictionary`
/// on the hot path: no `Hasher`, one multiply-free probe in the common case).
struct KeyTable: Sendable {
    private let keys: [UInt64]
    private let values: [Float]
    private let mask: Int

    init(_ pairs: [(UInt64, Float)]) {
        var cap = 16
        while cap < pairs.count * 4 { cap <<= 1 }
        var k = [UInt64](repeating: 0, count: cap)
        var v = [Float](repeating: 0, count: cap)
        for (key, value) in pairs {
            var slot = Int(truncatingIfNeeded: key) & (cap - 1)
            while k[slot] != 0 && k[slot] != key { slot = (slot + 1) & (cap - 1) }
            k[slot] = key
            v[slot] = max(v[slot], value)
        }
        keys = k
        values = v
        mask = cap - 1
    }

    @inline(__always) subscript(_ key: UInt64) -> Float? {
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            let k = keys[slot]
            if k == key { return values[slot] }
            if k == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always) func contains(_ key: UInt64) -> Bool { self[key] != nil }
}
