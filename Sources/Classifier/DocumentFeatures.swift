import Foundation

/// The features of a long text hashed once and numbered densely, with their weight rows gathered
/// once, so each of its overlapping windows is counted in a small array and summed from a compact
/// table, instead of hashing every n-gram again per window and reading rows all over the 8 MB
/// weight table.
///
/// `logits(window:)` equals `weights.logits(hasher.features(of: text, tokens: window))` up to
/// float rounding (the same features and values; the L2 norm is applied once to the sum instead
/// of to each term).
///
/// ```swift
/// let doc = DocumentFeatures(normalizedText, hasher: hasher, weights: weights)
/// for window in windows { let z = doc.logits(window: window) }
/// ```
struct DocumentFeatures: ~Copyable {
    private let config: FeatureConfig
    /// Per token t, `starts[t]..<starts[t + 1]` are its entries in `ids`: its unigram (if on), its
    /// bigram with the previous token (if on and t > 0), then its character n-grams.
    private let starts: [Int]
    /// Dense feature id of every entry.
    private let ids: UnsafeMutablePointer<UInt32>
    /// Weight rows by dense id, and the bias.
    private let rows: UnsafeMutablePointer<SIMD8<Float>>
    private let bias: SIMD8<Float>
    /// Per-window scratch: counts by id (zero between windows).
    private let counts: UnsafeMutablePointer<UInt32>

    init(_ text: NormalizedText, hasher: FeatureHasher, weights: LinearWeights) {
        let config = hasher.config
        self.config = config
        let charOn = config.charMax >= config.charMin && config.charMin > 0
        let wordUni = config.wordUnigrams, wordBi = config.wordBigrams
        let cMin = config.charMin, cMax = config.charMax
        // An upper bound of the entries: per token, 2 word features and at most (cMax − cMin + 1)
        // n-grams per start position of the padded token.
        let perChar = charOn ? cMax - cMin + 1 : 0
        let capacity = max(1, text.tokens.reduce(0) { $0 + 2 + perChar * ($1.count + 2) })
        let ids = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        let distinct = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        defer { distinct.deallocate() }
        var map = BucketNumbering(capacity: capacity)
        defer { map.deallocate() }
        var starts = [Int](repeating: 0, count: text.tokens.count + 1)
        var k = 0
        @inline(__always) func add(_ bucket: UInt32) {
            ids[k] = map.id(of: bucket, distinct: distinct)
            k += 1
        }
        // A token seen before in the document has the same character n-grams: copy their ids.
        var seen = TokenNumbering(capacity: text.tokens.count)
        defer { seen.deallocate() }
        text.scalars.withUnsafeBufferPointer { s in
            text.tokens.withUnsafeBufferPointer { toks in
                var prevWord: UInt64 = 0
                for t in 0..<toks.count {
                    let r = toks[t]
                    var h = StableHash.offset ^ FeatureHasher.wordSeed
                    for p in r { h = StableHash.step(h, s[p]) }
                    if wordUni { add(hasher.bucket(h)) }
                    if wordBi, t > 0 { add(hasher.bucket((prevWord &* 0x100_0000_01b3) ^ h ^ FeatureHasher.bigramSeed)) }
                    prevWord = h
                    if charOn {
                        let first = k
                        if let earlier = seen.firstCharGrams(of: h, token: r, in: s) {
                            (ids + k).update(from: ids + earlier.lowerBound, count: earlier.count)
                            k += earlier.count
                        } else {
                            FeatureHasher.forEachCharGram(s, r, cMin, cMax) { add(hasher.bucket($0)) }
                            seen.record(h, token: r, grams: first..<k, in: s)
                        }
                    }
                    starts[t + 1] = k
                }
            }
        }
        self.starts = starts
        self.ids = ids
        let unique = max(1, map.count)
        let rows = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: unique)
        self.rows = rows
        let buckets = weights.buckets
        bias = weights.storage.withUnsafeBufferPointer { w in
            let raw = UnsafeRawPointer(w.baseAddress!)
            for i in 0..<map.count {
                (rows + i).initialize(to: raw.loadUnaligned(fromByteOffset: Int(distinct[i]) &* (headSlots * 4), as: SIMD8<Float>.self))
            }
            return raw.loadUnaligned(fromByteOffset: buckets * headSlots * 4, as: SIMD8<Float>.self)
        }
        counts = .allocate(capacity: unique)
        counts.initialize(repeating: 0, count: unique)
    }

    deinit {
        ids.deallocate()
        rows.deallocate()
        counts.deallocate()
    }

    /// Raw logits of the window `tokens` (not empty). Two passes over the window's entries: the
    /// first counts, the second takes each feature at its first entry (its value, and whether it
    /// is a word or character feature, from that entry) and clears its count, so features are
    /// summed in first-occurrence order as `FeatureHasher.features(of:tokens:)` lists them.
    func logits(window tokens: Range<Int>) -> SIMD8<Float> {
        let wordUni = config.wordUnigrams, wordBi = config.wordBigrams
        let ww = config.wordWeight, cw = config.charWeight
        return starts.withUnsafeBufferPointer { starts in
            // The window's entries: per token, its word features then its character n-grams (the
            // bigram with the token before the window is not the window's).
            @inline(__always) func forEachEntry(_ body: (Int, Bool) -> Void) {
                for t in tokens {
                    var k = starts[t]
                    let end = starts[t + 1]
                    if wordUni { body(k, true); k += 1 }
                    if wordBi, t > 0 {
                        if t > tokens.lowerBound { body(k, true) }
                        k += 1
                    }
                    while k < end { body(k, false); k += 1 }
                }
            }
            forEachEntry { k, _ in counts[Int(ids[k])] &+= 1 }
            return FeatureHasher.logTable.withUnsafeBufferPointer { lt -> SIMD8<Float> in
                var norm: Float = 0
                var sum = SIMD8<Float>()
                forEachEntry { k, word in
                    let i = Int(ids[k])
                    let c = Int(counts[i])
                    guard c > 0 else { return }
                    counts[i] = 0
                    let v = (c < lt.count ? lt[c] : 1 + logf(Float(c))) * (word ? ww : cw)
                    norm += v * v
                    sum += v * rows[i]
                }
                return norm > 0 ? bias + sum * (1 / norm.squareRoot()) : bias + sum
            }
        }
    }
}

/// Open-addressing map from hash buckets to dense ids 0, 1, 2, … in first-seen order, sized for
/// every entry of the document being distinct (at most half full).
private struct BucketNumbering {
    private let keys: UnsafeMutablePointer<UInt32>
    private let values: UnsafeMutablePointer<UInt32>
    private let mask: Int
    private(set) var count = 0

    init(capacity entries: Int) {
        var size = 64
        while size < 2 * entries { size <<= 1 }
        keys = .allocate(capacity: size)
        keys.initialize(repeating: UInt32.max, count: size)
        values = .allocate(capacity: size)
        mask = size - 1
    }

    func deallocate() {
        keys.deallocate()
        values.deallocate()
    }

    /// The id of `bucket`, numbering it (and recording it in `distinct`) when first seen.
    @inline(__always) mutating func id(of bucket: UInt32, distinct: UnsafeMutablePointer<UInt32>) -> UInt32 {
        var slot = Int(truncatingIfNeeded: bucket &* 0x9e37_79b1) & mask
        while true {
            let key = keys[slot]
            if key == bucket { return values[slot] }
            if key == UInt32.max {
                keys[slot] = bucket
                values[slot] = UInt32(count)
                distinct[count] = bucket
                count += 1
                return values[slot]
            }
            slot = (slot + 1) & mask
        }
    }
}

/// The distinct tokens of a document, each with where its first occurrence's character n-gram
/// ids are, so a repeated token copies them instead of hashing them again. Looked up by the
/// token's FNV state and confirmed by comparing its scalars (a crafted FNV collision must not
/// borrow another token's n-grams).
private struct TokenNumbering {
    private let keys: UnsafeMutablePointer<UInt64>
    /// Scalar range of the token's first occurrence.
    private let tokens: UnsafeMutablePointer<Range<Int32>>
    private let grams: UnsafeMutablePointer<Range<Int32>>
    private let used: UnsafeMutablePointer<Bool>
    private let mask: Int

    init(capacity count: Int) {
        var size = 64
        while size < 2 * count { size <<= 1 }
        keys = .allocate(capacity: size)
        tokens = .allocate(capacity: size)
        grams = .allocate(capacity: size)
        used = .allocate(capacity: size)
        used.initialize(repeating: false, count: size)
        mask = size - 1
    }

    func deallocate() {
        keys.deallocate()
        tokens.deallocate()
        grams.deallocate()
        used.deallocate()
    }

    /// The slot of the token `r` of `s` with state `key`, and whether it is there.
    @inline(__always) private func slot(_ key: UInt64, _ r: Range<Int>, _ s: UnsafeBufferPointer<UInt32>) -> (Int, Bool) {
        var slot = Int(truncatingIfNeeded: StableHash.fmix(key)) & mask
        while used[slot] {
            if keys[slot] == key && tokens[slot].count == r.count {
                let start = Int(tokens[slot].lowerBound)
                var same = true
                for i in 0..<r.count where s[start + i] != s[r.lowerBound + i] { same = false; break }
                if same { return (slot, true) }
            }
            slot = (slot + 1) & mask
        }
        return (slot, false)
    }

    /// Where the n-gram ids of an earlier occurrence of the token `r` (FNV state `key`) are, if any.
    @inline(__always) func firstCharGrams(of key: UInt64, token r: Range<Int>, in s: UnsafeBufferPointer<UInt32>) -> Range<Int>? {
        let (i, found) = slot(key, r, s)
        guard found else { return nil }
        return Int(grams[i].lowerBound)..<Int(grams[i].upperBound)
    }

    @inline(__always) mutating func record(_ key: UInt64, token r: Range<Int>, grams range: Range<Int>, in s: UnsafeBufferPointer<UInt32>) {
        let (i, found) = slot(key, r, s)
        guard !found else { return }
        used[i] = true
        keys[i] = key
        tokens[i] = Int32(r.lowerBound)..<Int32(r.upperBound)
        grams[i] = Int32(range.lowerBound)..<Int32(range.upperBound)
    }
}
