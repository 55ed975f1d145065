import Classifier
import Foundation

/// Which duplicates the filter drops from the kept corpus.
public enum DedupMode: String, Codable, Sendable, CaseIterable {
    case off
    /// Identical text fields (128-bit hash of the bytes).
    case exact
    /// Exact, plus near duplicates by MinHash LSH over word 5-gram shingles.
    case near
}

/// MinHash signatures of word shingles with locality-sensitive hashing in bands: two documents
/// whose shingle sets have Jaccard similarity s share at least one band with probability
/// 1 − (1 − s^rows)^bands. With 16 bands of 8 rows (128 hashes) that is 0.95 at s = 0.8,
/// 0.36 at s = 0.6 and 0.06 at s = 0.5 (the S-curve's midpoint is (1/16)^(1/8) ≈ 0.71).
///
/// ```swift
/// let mh = MinHasher()
/// let keys = mh.bandKeys(TextNormalizer.normalize(text))   // 16 band hashes, compare across docs
/// ```
public struct MinHasher: Sendable {
    public let bands: Int
    public let rows: Int
    public let shingleWords: Int
    let seeds: [UInt64]

    public init(bands: Int = 16, rows: Int = 8, shingleWords: Int = 5) {
        self.bands = bands
        self.rows = rows
        self.shingleWords = shingleWords
        var s: UInt64 = 0x5eed
        self.seeds = (0..<(bands * rows)).map { _ in s = MinHasher.splitmix(s); return s | 1 }
    }

    @inline(__always) static func splitmix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Hashes of the word shingles (a text shorter than one shingle is a single shingle).
    public func shingles(_ text: NormalizedText) -> [UInt64] {
        let words = text.tokens.map { r -> UInt64 in
            var h = StableHash.offset
            for v in text.scalars[r] { h = StableHash.step(h, v) }
            return h
        }
        guard !words.isEmpty else { return [] }
        let k = min(shingleWords, words.count)
        var out: [UInt64] = []
        out.reserveCapacity(words.count - k + 1)
        for i in 0...(words.count - k) {
            var h: UInt64 = 0x8422_2325
            for j in i..<(i + k) { h = StableHash.fmix(h ^ words[j]) }
            out.append(h)
        }
        return out
    }

    /// The MinHash signature (bands × rows values).
    public func signature(_ text: NormalizedText) -> [UInt64] {
        var sig = [UInt64](repeating: .max, count: seeds.count)
        for sh in shingles(text) {
            for (i, seed) in seeds.enumerated() {
                let v = MinHasher.splitmix(sh ^ seed)
                if v < sig[i] { sig[i] = v }
            }
        }
        return sig
    }

    /// One key per band (the band index is mixed in, so equal keys mean the same band matched).
    public func bandKeys(_ text: NormalizedText) -> [UInt64] {
        let sig = signature(text)
        return (0..<bands).map { b in
            var h = UInt64(b) &* 0x9e37_79b9_7f4a_7c15
            for r in 0..<rows { h = StableHash.fmix(h ^ sig[b * rows + r]) }
            return h
        }
    }

    /// Jaccard similarity estimated from two signatures (fraction of equal values).
    public static func estimatedJaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
        Double(zip(a, b).filter { $0 == $1 }.count) / Double(max(1, a.count))
    }
}

/// The fingerprints of one document for deduplication, computed by a worker.
public struct DedupKeys: Sendable {
    public var exact: ExactKey
    public var bands: [UInt64]
}

/// 128-bit hash of a text's UTF-8 bytes.
public struct ExactKey: Hashable, Codable, Sendable {
    public var a: UInt64
    public var b: UInt64

    public init(_ text: String) {
        var h1 = StableHash.offset, h2 = StableHash.offset ^ 0x6a09_e667_f3bc_c909
        for byte in text.utf8 {
            h1 = (h1 ^ UInt64(byte)) &* StableHash.prime
            h2 = (h2 ^ UInt64(byte)) &* 0x0000_0100_0000_0233
        }
        a = StableHash.fmix(h1)
        b = StableHash.fmix(h2 ^ UInt64(text.utf8.count))
    }
}

/// What the deduplicator said about a document.
public enum DuplicateVerdict: String, Codable, Sendable {
    case unique, exact, near
}

/// The set of documents kept so far, in input order: exact keys and LSH band keys. Grows with the
/// kept corpus (about 16 + 8 × bands bytes per document, plus hash-set overhead), and is saved
/// with each checkpoint.
///
/// ```swift
/// var index = DedupIndex(mode: .near)
/// index.check(keys)   // .unique the first time (and remembers it), .exact / .near after
/// ```
public struct DedupIndex: Sendable {
    public let mode: DedupMode
    var exact = Set<ExactKey>()
    var bands = Set<UInt64>()

    public init(mode: DedupMode) { self.mode = mode }

    public mutating func check(_ keys: DedupKeys) -> DuplicateVerdict {
        guard mode != .off else { return .unique }
        if exact.contains(keys.exact) { return .exact }
        if mode == .near, keys.bands.contains(where: { bands.contains($0) }) {
            return .near
        }
        exact.insert(keys.exact)
        if mode == .near { for b in keys.bands { bands.insert(b) } }
        return .unique
    }

    // MARK: Persistence (binary: counts then little-endian UInt64 values)

    public func serialized() -> Data {
        var words: [UInt64] = [UInt64(exact.count), UInt64(bands.count)]
        for k in exact { words.append(k.a); words.append(k.b) }
        words.append(contentsOf: bands)
        return words.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    public static func deserialize(_ data: Data, mode: DedupMode) -> DedupIndex? {
        guard data.count % 8 == 0, data.count >= 16 else { return nil }
        let words: [UInt64] = data.withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)) }
        let ne = Int(words[0]), nb = Int(words[1])
        guard words.count == 2 + 2 * ne + nb else { return nil }
        var index = DedupIndex(mode: mode)
        for i in 0..<ne { index.exact.insert(ExactKey(a: words[2 + 2 * i], b: words[3 + 2 * i])) }
        for i in 0..<nb { index.bands.insert(words[2 + 2 * ne + i]) }
        return index
    }
}

extension ExactKey {
    init(a: UInt64, b: UInt64) { self.a = a; self.b = b }
}
