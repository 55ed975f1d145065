import Crypto
import Foundation

/// The key of a text in an `EmbeddingTable`: the first 16 bytes of the SHA-256 of its UTF-8 bytes.
/// Stable across runs, platforms and languages (a Python script computes the same key).
public struct TextKey: Hashable, Comparable, Sendable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    public init(_ text: String) {
        let digest = SHA256.hash(data: Data(text.utf8))
        var h: UInt64 = 0, l: UInt64 = 0
        for (i, b) in digest.prefix(16).enumerated() {
            if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
        }
        self.init(high: h, low: l)
    }

    /// Byte-lexicographic order of the 16 key bytes (what a sort of the raw bytes gives).
    public static func < (a: TextKey, b: TextKey) -> Bool { (a.high, a.low) < (b.high, b.low) }

    var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
    }
}

/// Sentence embeddings of texts, keyed by `TextKey`, kept in a cache file so the encoder runs once
/// per text across training runs and leave-one-source-out folds.
///
/// File format (little-endian): magic `WEMB0001`, `UInt32` dimension, `UInt32` count, then `count`
/// records of 16 key bytes followed by `dimension` IEEE half floats. Values are rounded to half
/// precision when set, so a table in memory holds exactly what its file will.
///
/// ```swift
/// var table = try EmbeddingTable.load(path: "var/cache/embeddings.bin") ?? EmbeddingTable(dimension: 384)
/// table[TextKey("hello")] = encoder.embed(["hello"])[0]
/// try table.save(path: "var/cache/embeddings.bin")
/// ```
public struct EmbeddingTable: Sendable {
    public let dimension: Int
    private var index: [TextKey: Int] = [:]
    private var storage: [Float] = []
    private var keys: [TextKey] = []

    public init(dimension: Int) { self.dimension = dimension }

    public var count: Int { keys.count }

    public subscript(key: TextKey) -> [Float]? {
        get {
            guard let i = index[key] else { return nil }
            return Array(storage[(i * dimension)..<((i + 1) * dimension)])
        }
        set {
            // Kept at the cache file's precision, so a run that computes an embedding trains on
            // the same numbers as a later run that reads it from the file.
            guard let v = newValue?.map({ Half.toFloat(Half.fromFloat($0)) }) else { return }
            precondition(v.count == dimension, "embedding of \(v.count) values in a table of dimension \(dimension)")
            if let i = index[key] {
                storage.replaceSubrange((i * dimension)..<((i + 1) * dimension), with: v)
            } else {
                index[key] = keys.count
                keys.append(key)
                storage += v
            }
        }
    }

    public func contains(_ key: TextKey) -> Bool { index[key] != nil }

    static let magic = Array("WEMB0001".utf8)

    /// Reads a cache file; nil when it does not exist. Throws `ModelFileError` naming the path when
    /// it is truncated or not an embedding cache.
    public static func load(path: String) throws -> EmbeddingTable? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func fail(_ r: String) -> ModelFileError { ModelFileError(path: path, reason: r) }
        guard bytes.count >= 16, Array(bytes[0..<8]) == magic else { throw fail("not an embedding cache (bad magic)") }
        let dim = Int(ModelFile.read32(bytes, 8)), count = Int(ModelFile.read32(bytes, 12))
        let record = 16 + 2 * dim
        guard dim > 0, bytes.count == 16 + count * record else {
            throw fail("size \(bytes.count) does not match \(count) records of dimension \(dim): truncated")
        }
        var table = EmbeddingTable(dimension: dim)
        table.keys.reserveCapacity(count)
        table.storage.reserveCapacity(count * dim)
        for r in 0..<count {
            let base = 16 + r * record
            var h: UInt64 = 0, l: UInt64 = 0
            for i in 0..<8 { h = h << 8 | UInt64(bytes[base + i]); l = l << 8 | UInt64(bytes[base + 8 + i]) }
            let key = TextKey(high: h, low: l)
            guard table.index[key] == nil else { continue }
            table.index[key] = table.keys.count
            table.keys.append(key)
            for d in 0..<dim {
                let lo = UInt16(bytes[base + 16 + 2 * d]), hi = UInt16(bytes[base + 17 + 2 * d])
                table.storage.append(Half.toFloat(lo | hi << 8))
            }
        }
        return table
    }

    /// Writes the whole table (atomically).
    public func save(path: String) throws {
        var out = EmbeddingTable.magic
        ModelFile.append32(&out, UInt32(dimension))
        ModelFile.append32(&out, UInt32(keys.count))
        out.reserveCapacity(16 + keys.count * (16 + 2 * dimension))
        for (i, key) in keys.enumerated() {
            out += key.bytes
            for d in 0..<dimension {
                let h = Half.fromFloat(storage[i * dimension + d])
                out.append(UInt8(truncatingIfNeeded: h))
                out.append(UInt8(truncatingIfNeeded: h >> 8))
            }
        }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(out).write(to: url, options: .atomic)
    }
}

/// The rows the precise tier is trained and measured on: per source, the `perSource` rows whose
/// `TextKey`s sort first (a deterministic, label-blind random sample, so each source keeps its base
/// rate), plus, for training only, every row positive for a rare category.
public struct SourceSample: Sendable {
    /// Row indices in the label-blind sample.
    public var sampled: Set<Int>
    /// Row indices added because they are positive for a rare category (train and calibrate only).
    public var rarePositives: Set<Int>

    public static let rareHeads: [Head] = [.sexual, .selfHarm, .hateThreatening]

    public init(rows: [LabeledRow], perSource: Int) {
        var bySource: [String: [(TextKey, Int)]] = [:]
        for (i, r) in rows.enumerated() { bySource[r.source, default: []].append((TextKey(r.text), i)) }
        var sampled = Set<Int>()
        for (_, list) in bySource {
            var seen = Set<TextKey>()
            var chosen = Set<TextKey>()
            for key in list.map(\.0).sorted() where seen.insert(key).inserted {
                if chosen.count == perSource { break }
                chosen.insert(key)
            }
            for (k, i) in list where chosen.contains(k) { sampled.insert(i) }
        }
        self.sampled = sampled
        var rare = Set<Int>()
        for (i, r) in rows.enumerated() where !sampled.contains(i) {
            if Self.rareHeads.contains(where: { r.labels[$0.rawValue] == 1 }) { rare.insert(i) }
        }
        self.rarePositives = rare
    }

    public func contains(_ row: Int) -> Bool { sampled.contains(row) || rarePositives.contains(row) }
}
