import CZlib
import Foundation
import WardenCore

/// Everything about a model except its weights; stored as JSON in the model file.
public struct ModelHeader: Codable, Sendable, Equatable {
    public var name: String
    public var features: FeatureConfig
    /// Slot names in order (see `Head`).
    public var heads: [String]
    /// Platt calibration per head name.
    public var calibration: [String: Platt]
    /// Weight λ of the any head's logit blended into each category (0 or nil: off), and the
    /// second-stage Platt per head name applied after blending (see `Calibrator`).
    public var anyBlend: Double?
    /// Categories with a λ of their own (nil: `anyBlend` for all).
    public var anyBlendByHead: [String: Double]?
    public var finalCalibration: [String: Platt]?
    /// Threshold per category (all 8 raw values).
    public var thresholds: [String: Double]
    /// Long texts: windows of `windowChars` normalized characters every `windowStride` characters.
    public var windowChars: Int
    public var windowStride: Int
    /// Free-form provenance: seed, epochs, data files, design name, date.
    public var training: [String: String]
    /// Precise tier: the sentence encoder whose embedding the dense weights read (nil: fast tier),
    /// its dimension, and the most word pieces it is given per text.
    public var encoder: String?
    public var denseDim: Int?
    public var encoderMaxTokens: Int?
    /// The encoder layers pooled into the embedding, in order (nil: the last layer only).
    public var encoderLayers: [Int]?
    /// Embedding windows per text (`EmbeddingWindows`; nil or 1: the first word pieces only), and
    /// the characters per later window they were trained with (nil: `EmbeddingWindows.chars`).
    public var embeddingWindows: Int?
    public var embeddingWindowChars: Int?
    /// Hidden units of the embedding MLP (nil or 0: the dense weights are linear).
    public var hiddenUnits: Int?

    public init(name: String, features: FeatureConfig, heads: [String] = Head.allCases.map(\.name),
                calibration: [String: Platt] = [:], thresholds: [String: Double] = [:],
                windowChars: Int = 1000, windowStride: Int = 750, training: [String: String] = [:]) {
        self.name = name
        self.features = features
        self.heads = heads
        self.calibration = calibration
        self.thresholds = thresholds
        self.windowChars = windowChars
        self.windowStride = windowStride
        self.training = training
    }
}

/// A model file that cannot be used. The message always names the file.
public struct ModelFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "model file \(path): \(reason)" }
}

/// The model file format (all integers little-endian):
///
/// | offset | size | content |
/// | --- | --- | --- |
/// | 0 | 8 | magic `WRDNCLF` followed by 0x00 |
/// | 8 | 4 | format version (1; 2 and 3 below) |
/// | 12 | 4 | header length H in bytes |
/// | 16 | H | header, UTF-8 JSON (`ModelHeader`) |
/// | 16+H | 8 | weight count N = (2^bucketsLog2 + 1) × 8 |
/// | 24+H | 2N | weights as IEEE half floats: bucket-major, 8 head slots per bucket, then 8 biases |
/// | 24+H+2N | 4 | CRC-32 (zlib) of every byte before it |
///
/// Version 2 (the precise tier, `denseDim` D in the header) has, before the CRC, an 8-byte count
/// M and M half floats: the weights over the sentence embedding, D × 8 when linear, or an MLP's
/// D × K + K + K × 8 with K = `hiddenUnits` (layout in `EmbeddingMLP`).
///
/// Version 3 is version 2's layout (M is 0 when the header names no encoder) written when the
/// header holds a field an older reader would skip without error and score differently for
/// (`anyBlendByHead`): a Warden that knows versions 1 and 2 only refuses such a file at load
/// instead of ignoring the field.
public enum ModelFile {
    public static let magic: [UInt8] = Array("WRDNCLF".utf8) + [0]
    public static let formatVersion: UInt32 = 1
    public static let denseFormatVersion: UInt32 = 2
    public static let headerFieldsFormatVersion: UInt32 = 3

    /// The oldest format version that holds this header and weights without losing anything.
    ///
    ///     ModelFile.version(for: header, weights: w)   // 1 fast, 2 precise, 3 with anyBlendByHead
    public static func version(for header: ModelHeader, weights: LinearWeights) -> UInt32 {
        if !(header.anyBlendByHead ?? [:]).isEmpty { return headerFieldsFormatVersion }
        return weights.denseDim > 0 ? denseFormatVersion : formatVersion
    }

    public static func encode(header: ModelHeader, weights: LinearWeights) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let json = try enc.encode(header)
        var out = [UInt8]()
        out.reserveCapacity(28 + json.count + weights.storage.count * 2)
        out += magic
        let written = version(for: header, weights: weights)
        append32(&out, written)
        append32(&out, UInt32(json.count))
        out += json
        appendHalves(&out, weights.storage)
        if written != formatVersion { appendHalves(&out, weights.denseDim > 0 ? weights.dense : []) }
        let crc = out.withUnsafeBufferPointer { crc32Of($0) }
        append32(&out, crc)
        return Data(out)
    }

    static func appendHalves(_ out: inout [UInt8], _ values: [Float]) {
        let n = UInt64(values.count)
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(k)))) }
        for w in values {
            let h = Half.fromFloat(w)
            out.append(UInt8(truncatingIfNeeded: h))
            out.append(UInt8(truncatingIfNeeded: h >> 8))
        }
    }

    static func read64(_ b: [UInt8], _ at: Int) -> Int {
        var n = 0
        for k in 0..<8 { n |= Int(b[at + k]) << (8 * k) }
        return n
    }

    static func readHalves(_ b: [UInt8], at base: Int, count n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        b.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { s in
                for i in 0..<n {
                    let lo = UInt16(b[base + 2 * i]), hi = UInt16(b[base + 2 * i + 1])
                    s[i] = Half.toFloat(lo | (hi << 8))
                }
            }
        }
        return out
    }

    public static func decode(_ data: Data, path: String) throws -> (ModelHeader, LinearWeights) {
        func fail(_ r: String) -> ModelFileError { ModelFileError(path: path, reason: r) }
        let bytes = [UInt8](data)
        guard bytes.count >= 28 else { throw fail("too short (\(bytes.count) bytes): truncated or not a Warden model") }
        guard Array(bytes[0..<8]) == magic else { throw fail("bad magic: not a Warden classifier model") }
        let version = read32(bytes, 8)
        guard (formatVersion...headerFieldsFormatVersion).contains(version) else {
            throw fail("unsupported format version \(version) (expected \(formatVersion) to \(headerFieldsFormatVersion); written by a newer Warden?)")
        }
        let hasDenseBlock = version != formatVersion
        let h = Int(read32(bytes, 12))
        guard h > 0, 16 + h + 12 <= bytes.count else { throw fail("header length \(h) exceeds file size \(bytes.count): truncated") }
        let n = read64(bytes, 16 + h)
        guard n >= 0, n < (1 << 31) else { throw fail("weight count \(n) is corrupt") }
        var m = 0
        if hasDenseBlock {
            let at = 16 + h + 8 + 2 * n
            guard at + 8 + 4 <= bytes.count else { throw fail("truncated before the dense weights") }
            m = read64(bytes, at)
            guard m >= 0, m < (1 << 31) else { throw fail("dense weight count \(m) is corrupt") }
        }
        let expected = 16 + h + 8 + 2 * n + (hasDenseBlock ? 8 + 2 * m : 0) + 4
        guard expected == bytes.count else {
            throw fail("size mismatch: \(bytes.count) bytes, expected \(expected) for \(n) weights (truncated or corrupt)")
        }
        let stored = read32(bytes, bytes.count - 4)
        let actual = bytes.withUnsafeBufferPointer { crc32Of(UnsafeBufferPointer(rebasing: $0[0..<(bytes.count - 4)])) }
        guard stored == actual else {
            throw fail(String(format: "checksum mismatch (stored %08x, computed %08x): the file is corrupt", stored, actual))
        }
        let header: ModelHeader
        do { header = try JSONDecoder().decode(ModelHeader.self, from: Data(bytes[16..<(16 + h)])) }
        catch { throw fail("header JSON is invalid: \(error)") }
        guard (10...24).contains(header.features.bucketsLog2) else { throw fail("bucketsLog2 \(header.features.bucketsLog2) out of range") }
        let buckets = 1 << header.features.bucketsLog2
        guard n == (buckets + 1) * headSlots else { throw fail("weight count \(n) does not match \(buckets) buckets") }
        guard header.windowChars > 0, header.windowStride > 0 else { throw fail("window sizes must be positive") }
        if let problem = TrainOptions.headBlendProblem(header.anyBlendByHead ?? [:]) { throw fail(problem) }
        let storage = readHalves(bytes, at: 16 + h + 8, count: n)
        if storage.contains(where: { !$0.isFinite }) { throw fail("weights contain NaN or infinity") }
        var weights = LinearWeights(buckets: buckets, storage: storage)
        if hasDenseBlock && (version == denseFormatVersion || header.denseDim != nil) {
            let hidden = header.hiddenUnits ?? 0
            guard let d = header.denseDim, d > 0, hidden >= 0, header.encoder != nil,
                  m == (hidden > 0 ? EmbeddingMLP.parameterCount(inputs: d, hidden: hidden) : d * headSlots) else {
                throw fail("dense weight count \(m) does not match the header's encoder dimension \(header.denseDim ?? 0) and hidden units \(hidden)")
            }
            weights.denseDim = d
            weights.hiddenUnits = hidden
            weights.dense = readHalves(bytes, at: 16 + h + 8 + 2 * n + 8, count: m)
            if weights.dense.contains(where: { !$0.isFinite }) { throw fail("dense weights contain NaN or infinity") }
        } else if header.denseDim != nil {
            throw fail("the header names an encoder but the file has no dense weights (format version 1)")
        } else if m != 0 {
            throw fail("\(m) dense weights but the header names no encoder")
        }
        return (header, weights)
    }

    static func crc32Of(_ b: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc: uLong = crc32(0, nil, 0)
        var offset = 0
        while offset < b.count {
            let chunk = min(b.count - offset, 1 << 30)
            crc = crc32(crc, b.baseAddress! + offset, uInt(chunk))
            offset += chunk
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    static func append32(_ out: inout [UInt8], _ v: UInt32) {
        for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(k)))) }
    }

    static func read32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}
