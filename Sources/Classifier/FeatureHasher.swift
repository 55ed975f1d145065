import Foundation

/// Deterministic 64-bit hashing (FNV-1a over scalar values, finished with the MurmurHash3 `fmix64`
/// avalanche). Never Swift's `Hasher`, which is seeded per process: the model file stores weights
/// by bucket, so the same n-gram must land in the same bucket on every run and platform.
public enum StableHash {
    public static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    @inline(__always) public static func step(_ h: UInt64, _ v: UInt32) -> UInt64 {
        (h ^ UInt64(v)) &* prime
    }

    @inline(__always) public static func fmix(_ k0: UInt64) -> UInt64 {
        var k = k0
        k ^= k >> 33
        k = k &* 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k = k &* 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    /// FNV-1a of the scalars of `s`, finished with `fmix` (exposed for tests).
    public static func hash(_ s: String, seed: UInt64 = 0) -> UInt64 {
        var h = offset ^ seed
        for u in s.unicodeScalars { h = step(h, u.value) }
        return fmix(h)
    }
}

/// Feature-set configuration, stored in the model file's header.
public struct FeatureConfig: Codable, Sendable, Equatable {
    /// log2 of the number of hash buckets (weights per head).
    public var bucketsLog2: Int = 18
    /// Word unigrams on/off, word bigrams on/off.
    public var wordUnigrams: Bool = true
    public var wordBigrams: Bool = true
    /// Character n-gram range over word-boundary padded tokens (` kill ` → ` ki`, `kil`, …); 0 disables.
    public var charMin: Int = 3
    public var charMax: Int = 5
    /// Relative weight of the word block and the character block before the joint L2 normalisation.
    public var wordWeight: Float = 1
    public var charWeight: Float = 1

    public init() {}
}

/// A sparse, L2-normalised feature vector: unique bucket indices and values (1 + ln tf, scaled).
public struct SparseVector: Sendable {
    public var indices: [UInt32] = []
    public var values: [Float] = []
    public init() {}
    public var count: Int { indices.count }
}

/// Hashed word uni+bigrams and character 3–5-grams of a normalized text, sublinear tf
/// (1 + ln count), L2-normalised.
public struct FeatureHasher: Sendable {
    public let config: FeatureConfig
    let shift: UInt64
    static let wordSeed: UInt64 = 0x9e37_79b9_7f4a_7c15
    static let bigramSeed: UInt64 = 0x6a09_e667_f3bc_c909
    static let charSeed: UInt64 = 0xbb67_ae85_84ca_a73b

    public init(config: FeatureConfig) {
        self.config = config
        self.shift = UInt64(64 - config.bucketsLog2)
    }

    public var bucketCount: Int { 1 << config.bucketsLog2 }

    @inline(__always) func bucket(_ h: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: StableHash.fmix(h) >> shift)
    }

    /// Features of `text` (all its tokens).
    public func features(of text: NormalizedText) -> SparseVector {
        features(of: text, tokens: 0..<text.tokens.count)
    }

    /// Features of the tokens `tokenRange` of `text` (a window).
    public func features(of text: NormalizedText, tokens tokenRange: Range<Int>) -> SparseVector {
        var out = SparseVector()
        guard !tokenRange.isEmpty else { return out }
        // Upper bound of raw feature occurrences, to size the counting table.
        var estimate = 0
        for t in tokenRange {
            let len = text.tokens[t].count
            estimate += 2
            if config.charMax > 0 { estimate += (len + 2) * (config.charMax - config.charMin + 1) }
        }
        var cap = 64
        while cap < estimate * 2 { cap <<= 1 }
        let mask = cap - 1
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: cap) { keys in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: cap) { counts in
                withUnsafeTemporaryAllocation(of: Bool.self, capacity: cap) { isWord in
                    keys.initialize(repeating: UInt32.max)
                    counts.initialize(repeating: 0)
                    isWord.initialize(repeating: false)
                    var unique = 0
                    @inline(__always) func add(_ b: UInt32, word: Bool) {
                        var slot = Int(truncatingIfNeeded: (UInt64(b) &* 0x9e37_79b9_7f4a_7c15) >> 40) & mask
                        while true {
                            let k = keys[slot]
                            if k == b { counts[slot] += 1; return }
                            if k == UInt32.max {
                                keys[slot] = b; counts[slot] = 1; isWord[slot] = word; unique += 1
                                return
                            }
                            slot = (slot + 1) & mask
                        }
                    }
                    text.scalars.withUnsafeBufferPointer { s in
                        var prevWord: UInt64 = 0
                        var havePrev = false
                        for t in tokenRange {
                            let r = text.tokens[t]
                            // word unigram
                            var h = StableHash.offset ^ FeatureHasher.wordSeed
                            for p in r { h = StableHash.step(h, s[p]) }
                            if config.wordUnigrams { add(bucket(h), word: true) }
                            if config.wordBigrams, havePrev {
                                add(bucket((prevWord &* 0x100_0000_01b3) ^ h ^ FeatureHasher.bigramSeed), word: true)
                            }
                            prevWord = h
                            havePrev = true
                            // char n-grams over " token "
                            if config.charMax >= config.charMin, config.charMin > 0 {
                                let len = r.count + 2
                                for start in 0..<len {
                                    var g = StableHash.offset ^ FeatureHasher.charSeed
                                    var n = 0
                                    var pos = start
                                    while n < config.charMax, pos < len {
                                        let c: UInt32 = (pos == 0 || pos == len - 1) ? 0x20 : s[r.lowerBound + pos - 1]
                                        g = StableHash.step(g, c)
                                        n += 1
                                        pos += 1
                                        if n >= config.charMin { add(bucket(g), word: false) }
                                    }
                                }
                            }
                        }
                    }
                    out.indices.reserveCapacity(unique)
                    out.values.reserveCapacity(unique)
                    var norm: Float = 0
                    for slot in 0..<cap where keys[slot] != UInt32.max {
                        let v = (1 + logf(counts[slot])) * (isWord[slot] ? config.wordWeight : config.charWeight)
                        out.indices.append(keys[slot])
                        out.values.append(v)
                        norm += v * v
                    }
                    if norm > 0 {
                        let inv = 1 / norm.squareRoot()
                        for k in 0..<out.values.count { out.values[k] *= inv }
                    }
                }
            }
        }
        return out
    }
}
