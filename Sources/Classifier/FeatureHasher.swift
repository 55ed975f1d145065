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

/// Hashed word uni+bigrams and character 3–5-grams of a normalized text (FNV-1a 64 states mapped to
/// buckets by Fibonacci hashing; deterministic across runs and platforms), sublinear tf
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

    /// Bucket of a finished-or-not FNV state: Fibonacci hashing (multiply by 2^64/φ, keep the top
    /// bits), cheaper than a full `fmix` and well spread for FNV states.
    @inline(__always) func bucket(_ h: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ((h ^ (h >> 32)) &* 0x9e37_79b9_7f4a_7c15) >> shift)
    }

    /// A counting table sized for the raw feature occurrences of a window (an upper bound).
    private func countTable(for text: NormalizedText, tokens tokenRange: Range<Int>, charOn: Bool) -> CountTable {
        let scalarSpan = text.tokens[tokenRange.upperBound - 1].upperBound - text.tokens[tokenRange.lowerBound].lowerBound
        let estimate = 2 * tokenRange.count + (charOn ? (scalarSpan + 2 * tokenRange.count) * (config.charMax - config.charMin + 1) : 0)
        var cap = 64
        while cap < estimate + estimate / 2 { cap <<= 1 }
        return CountTable(capacity: cap)
    }

    /// The hashes of one token's character n-grams (`cMin` to `cMax` long) over " token ".
    @inline(__always)
    static func forEachCharGram(_ s: UnsafeBufferPointer<UInt32>, _ r: Range<Int>, _ cMin: Int, _ cMax: Int, _ body: (UInt64) -> Void) {
        let len = r.count + 2
        let base = r.lowerBound - 1
        for start in 0..<len {
            var g = StableHash.offset ^ FeatureHasher.charSeed
            let stop = min(len, start + cMax)
            var pos = start
            while pos < stop {
                let c: UInt32 = (pos == 0 || pos == len - 1) ? 0x20 : s[base + pos]
                g = StableHash.step(g, c)
                pos += 1
                if pos - start >= cMin { body(g) }
            }
        }
    }

    /// Features of `text` (all its tokens).
    public func features(of text: NormalizedText) -> SparseVector {
        features(of: text, tokens: 0..<text.tokens.count)
    }

    /// Features of the tokens `tokenRange` of `text` (a window).
    public func features(of text: NormalizedText, tokens tokenRange: Range<Int>) -> SparseVector {
        guard !tokenRange.isEmpty else { return SparseVector() }
        let table = count(text, tokens: tokenRange)
        defer { table.deallocate() }
        return finish(table)
    }

    /// The raw feature counts of a window (hashing its tokens). The caller deallocates the table.
    func count(_ text: NormalizedText, tokens tokenRange: Range<Int>) -> CountTable {
        let charOn = config.charMax >= config.charMin && config.charMin > 0
        var table = countTable(for: text, tokens: tokenRange, charOn: charOn)
        let wordUni = config.wordUnigrams, wordBi = config.wordBigrams
        let cMin = config.charMin, cMax = config.charMax
        text.scalars.withUnsafeBufferPointer { s in
            text.tokens.withUnsafeBufferPointer { toks in
                var prevWord: UInt64 = 0
                var havePrev = false
                for t in tokenRange {
                    let r = toks[t]
                    var h = StableHash.offset ^ FeatureHasher.wordSeed
                    for p in r { h = StableHash.step(h, s[p]) }
                    if wordUni { table.add(bucket(h), word: true) }
                    if wordBi, havePrev { table.add(bucket((prevWord &* 0x100_0000_01b3) ^ h ^ FeatureHasher.bigramSeed), word: true) }
                    prevWord = h
                    havePrev = true
                    guard charOn else { continue }
                    Self.forEachCharGram(s, r, cMin, cMax) { table.add(bucket($0), word: false) }
                }
            }
        }
        return table
    }

    /// Raw logits of `weights` for the L2-normalised vector of a window's counts, without building
    /// the vector: the same arithmetic in the same order as `weights.logits(finish(table))`, so the
    /// same bits (one pass for the norm, one for the weighted sum).
    func logits(_ table: CountTable, weights: LinearWeights) -> SIMD8<Float> {
        let ww = config.wordWeight, cw = config.charWeight
        let buckets = weights.buckets
        return FeatureHasher.logTable.withUnsafeBufferPointer { lt -> SIMD8<Float> in
            @inline(__always) func value(_ slot: Int) -> Float {
                let c = Int(table.counts[slot])
                return (c < lt.count ? lt[c] : 1 + logf(Float(c))) * (table.isWord[slot] ? ww : cw)
            }
            var norm: Float = 0
            for k in 0..<table.unique {
                let v = value(Int(table.order[k]))
                norm += v * v
            }
            let inv: Float = norm > 0 ? 1 / norm.squareRoot() : 1
            return weights.storage.withUnsafeBufferPointer { w -> SIMD8<Float> in
                let raw = UnsafeRawPointer(w.baseAddress!)
                var acc = raw.loadUnaligned(fromByteOffset: buckets * headSlots * 4, as: SIMD8<Float>.self)
                for k in 0..<table.unique {
                    let slot = Int(table.order[k])
                    let v = norm > 0 ? value(slot) * inv : value(slot)
                    acc += v * raw.loadUnaligned(fromByteOffset: Int(table.keys[slot]) &* (headSlots * 4), as: SIMD8<Float>.self)
                }
                return acc
            }
        }
    }

    /// The table's counts as a sparse vector in first-insertion order: 1 + ln(tf), block weights, L2-normalised.
    func finish(_ table: CountTable) -> SparseVector {
        var out = SparseVector()
        out.indices.reserveCapacity(table.unique)
        out.values.reserveCapacity(table.unique)
        var norm: Float = 0
        let ww = config.wordWeight, cw = config.charWeight
        FeatureHasher.logTable.withUnsafeBufferPointer { lt in
            for k in 0..<table.unique {
                let slot = Int(table.order[k])
                let c = Int(table.counts[slot])
                let v = (c < lt.count ? lt[c] : 1 + logf(Float(c))) * (table.isWord[slot] ? ww : cw)
                out.indices.append(table.keys[slot])
                out.values.append(v)
                norm += v * v
            }
        }
        if norm > 0 {
            let inv = 1 / norm.squareRoot()
            for k in 0..<out.values.count { out.values[k] *= inv }
        }
        return out
    }


    /// 1 + ln(c) for small counts.
    static let logTable: [Float] = (0..<256).map { $0 == 0 ? 0 : 1 + logf(Float($0)) }
}

/// Open-addressing counter of bucket indices (linear probing), sized for the text at hand.
struct CountTable {
    let keys: UnsafeMutablePointer<UInt32>
    let counts: UnsafeMutablePointer<UInt32>
    let isWord: UnsafeMutablePointer<Bool>
    /// Slots in insertion order (so reading the table back does not scan empty slots).
    let order: UnsafeMutablePointer<Int32>
    let mask: Int
    var unique = 0

    init(capacity: Int) {
        keys = .allocate(capacity: capacity)
        keys.initialize(repeating: UInt32.max, count: capacity)
        // Only `keys` marks occupancy; `counts` and `isWord` are written when a slot is first taken
        // and read only through `order`, so they need no initialization (less memory to clear per window).
        counts = .allocate(capacity: capacity)
        isWord = .allocate(capacity: capacity)
        order = .allocate(capacity: capacity)
        mask = capacity - 1
    }

    func deallocate() {
        keys.deallocate()
        counts.deallocate()
        isWord.deallocate()
        order.deallocate()
    }

    @inline(__always) mutating func add(_ b: UInt32, word: Bool) {
        var slot = Int(truncatingIfNeeded: b &* 0x9e37_79b1) & mask
        while true {
            let k = keys[slot]
            if k == b { counts[slot] &+= 1; return }
            if k == UInt32.max {
                keys[slot] = b
                counts[slot] = 1
                isWord[slot] = word
                order[unique] = Int32(truncatingIfNeeded: slot)
                unique += 1
                return
            }
            slot = (slot + 1) & mask
        }
    }
}
