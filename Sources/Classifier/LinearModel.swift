import Foundation
import WardenCore

/// Number of weight slots per bucket: heads are stored interleaved, 8 floats per bucket, so one
/// feature's weights for every head are one 32-byte SIMD load.
public let headSlots = 8

/// The learned heads, in slot order. `any` is a head trained on "any category" (it also sees rows
/// the sources flag without a category); it is reported by `scores(…)` but is not a moderation category.
public enum Head: Int, CaseIterable, Sendable {
    case sexual = 0, hate, hateThreatening, harassment, selfHarm, violence, any

    public var name: String {
        switch self {
        case .sexual: "sexual"
        case .hate: "hate"
        case .hateThreatening: "hate/threatening"
        case .harassment: "harassment"
        case .selfHarm: "self-harm"
        case .violence: "violence"
        case .any: "any"
        }
    }

    public var category: ModerationCategory? { ModerationCategory(rawValue: name) }

    public init?(category: ModerationCategory) {
        guard let h = Head.allCases.first(where: { $0.name == category.rawValue }) else { return nil }
        self = h
    }
}

/// Platt scaling: p = σ(a·z + b) for a head's raw logit z.
public struct Platt: Codable, Sendable, Equatable {
    public var a: Double
    public var b: Double
    public init(a: Double = 1, b: Double = 0) { self.a = a; self.b = b }
    @inline(__always) public func apply(_ z: Float) -> Double { 1 / (1 + exp(-(a * Double(z) + b))) }
}

/// Weights of the linear heads: `buckets × 8` interleaved floats plus 8 biases, and for the precise
/// tier `denseDim × 8` interleaved weights over a sentence embedding.
public struct LinearWeights: Sendable, Equatable {
    public var buckets: Int
    /// `buckets * headSlots` weights, then `headSlots` biases.
    public var storage: [Float]
    /// Dimension of the dense input (0: n-grams only, the fast tier).
    public var denseDim: Int = 0
    /// `denseDim * headSlots` weights over the embedding, interleaved like `storage`; or, with
    /// `hiddenUnits` > 0, an MLP's weights (layout in `EmbeddingMLP`).
    public var dense: [Float] = []
    public var hiddenUnits = 0

    public init(buckets: Int) {
        self.buckets = buckets
        self.storage = [Float](repeating: 0, count: (buckets + 1) * headSlots)
    }

    public init(buckets: Int, storage: [Float]) {
        precondition(storage.count == (buckets + 1) * headSlots)
        self.buckets = buckets
        self.storage = storage
    }

    /// Raw logits of every slot for one sparse vector.
    @inline(__always)
    public func logits(_ x: SparseVector) -> SIMD8<Float> {
        storage.withUnsafeBufferPointer { w in
            let raw = UnsafeRawPointer(w.baseAddress!)
            var acc = raw.loadUnaligned(fromByteOffset: buckets * headSlots * 4, as: SIMD8<Float>.self)
            x.indices.withUnsafeBufferPointer { idx in
                x.values.withUnsafeBufferPointer { val in
                    for k in 0..<idx.count {
                        let row = raw.loadUnaligned(fromByteOffset: Int(idx[k]) &* (headSlots * 4), as: SIMD8<Float>.self)
                        acc += val[k] * row
                    }
                }
            }
            return acc
        }
    }

    /// Raw logits from raw pointers (training and evaluation).
    @inline(__always)
    public func logits(indices: UnsafePointer<UInt32>, values: UnsafePointer<Float>, count: Int) -> SIMD8<Float> {
        storage.withUnsafeBufferPointer { w in
            let raw = UnsafeRawPointer(w.baseAddress!)
            var acc = raw.loadUnaligned(fromByteOffset: buckets * headSlots * 4, as: SIMD8<Float>.self)
            for k in 0..<count {
                acc += values[k] * raw.loadUnaligned(fromByteOffset: Int(indices[k]) &* (headSlots * 4), as: SIMD8<Float>.self)
            }
            return acc
        }
    }

    /// Adds a zero dense part of `dim` inputs.
    public mutating func addDense(dim: Int) {
        denseDim = dim
        dense = [Float](repeating: 0, count: dim * headSlots)
    }

    /// Raw logits of the dense part for one embedding (zero without a dense part).
    @inline(__always)
    public func denseLogits(_ e: UnsafePointer<Float>) -> SIMD8<Float> {
        guard denseDim > 0 else { return .zero }
        if hiddenUnits > 0 {
            return dense.withUnsafeBufferPointer { EmbeddingMLP.logits(e, weights: $0.baseAddress!, inputs: denseDim, hidden: hiddenUnits) }
        }
        return dense.withUnsafeBufferPointer { w in
            let raw = UnsafeRawPointer(w.baseAddress!)
            var acc = SIMD8<Float>()
            for d in 0..<denseDim { acc += e[d] * raw.loadUnaligned(fromByteOffset: d &* 32, as: SIMD8<Float>.self) }
            return acc
        }
    }

    public func denseLogits(_ e: [Float]) -> SIMD8<Float> {
        precondition(e.count == denseDim, "embedding of \(e.count) values for a dense part of \(denseDim)")
        return e.withUnsafeBufferPointer { denseLogits($0.baseAddress!) }
    }

    /// Rounds every weight through IEEE half precision (what the model file stores).
    public mutating func roundToHalf() {
        for i in 0..<storage.count { storage[i] = Half.toFloat(Half.fromFloat(storage[i])) }
        for i in 0..<dense.count { dense[i] = Half.toFloat(Half.fromFloat(dense[i])) }
    }
}

/// IEEE 754 binary16 conversion done by hand (Swift's `Float16` is missing on macOS x86_64).
public enum Half {
    public static func fromFloat(_ f: Float) -> UInt16 {
        let x = f.bitPattern
        let sign = UInt16((x >> 16) & 0x8000)
        let exp = Int((x >> 23) & 0xFF)
        var mant = x & 0x7F_FFFF
        if exp == 0xFF { return sign | 0x7C00 | (mant != 0 ? 0x200 : 0) }
        var e = exp - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            if e < -10 { return sign }
            mant |= 0x80_0000
            let shift = UInt32(14 - e)
            var h = mant >> shift
            let rem = mant & ((1 << shift) - 1)
            let half = UInt32(1) << (shift - 1)
            if rem > half || (rem == half && (h & 1) == 1) { h += 1 }
            return sign | UInt16(h)
        }
        var h = UInt32(e << 10) | (mant >> 13)
        let rem = mant & 0x1FFF
        if rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1) { h += 1 }
        e = Int(h >> 10)
        if e >= 0x1F { return sign | 0x7C00 }
        return sign | UInt16(h)
    }

    public static func toFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32((h >> 10) & 0x1F)
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            // subnormal
            let v = Float(mant) * Float(bitPattern: 0x3380_0000) // 2^-24
            return sign != 0 ? -v : v
        }
        if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | ((exp + 112) << 23) | (mant << 13))
    }
}

/// Raw slot logits → calibrated probabilities of the 6 learned heads (slot order) and the any head.
///
/// Stage 1: Platt per head, p = σ(a·z + b), ℓ = a·z + b. Stage 2 (when `anyBlend` λ > 0): every
/// category's calibrated logit is shifted by λ·(ℓ_any − max_c ℓ_c), u_c = ℓ_c + λ·(ℓ_any − ℓ_top),
/// and calibrated again by a second Platt fitted on dev. The any head sees every source's "something is wrong here"
/// signal (including rows flagged without a category); blending it in stacks that signal onto the
/// categories. A category may have its own λ (`headBlend`; the precise tier's since session 17).
///
/// ```swift
/// let cal = Calibrator(stage1: p1, anyBlend: 0.8, headBlend: ["violence": 0.6], stage2: p2)
/// cal.probability(logits, Head.violence.rawValue)
/// ```
public struct Calibrator: Sendable, Equatable {
    public var stage1: [Platt]        // per slot
    /// λ per learned slot: `anyBlend` unless the category has its own.
    public var headBlend: [Double]
    public var stage2: [Platt]        // per slot (identity where the slot's λ is 0)

    /// Whether any category is shifted toward the any head (and so has a second stage).
    public var blendsAnyHead: Bool { headBlend.contains { $0 > 0 } }

    public init(stage1: [Platt], anyBlend: Double = 0, headBlend: [String: Double] = [:], stage2: [Platt]? = nil) {
        self.stage1 = stage1
        self.headBlend = (0..<Head.any.rawValue).map { headBlend[Head(rawValue: $0)!.name] ?? anyBlend }
        self.stage2 = stage2 ?? [Platt](repeating: Platt(), count: headSlots)
    }

    public init(header: ModelHeader) {
        var p1 = [Platt](repeating: Platt(), count: headSlots)
        var p2 = [Platt](repeating: Platt(), count: headSlots)
        for (slot, name) in header.heads.enumerated() where slot < headSlots {
            if let c = header.calibration[name] { p1[slot] = c }
            if let c = header.finalCalibration?[name] { p2[slot] = c }
        }
        self.init(stage1: p1, anyBlend: header.anyBlend ?? 0, headBlend: header.anyBlendByHead ?? [:], stage2: p2)
    }

    @inline(__always) func stage1Logit(_ z: SIMD8<Float>, _ slot: Int) -> Double {
        stage1[slot].a * Double(z[slot]) + stage1[slot].b
    }

    /// Logit fed to stage 2 for a learned slot: every category is shifted by its λ·(ℓ_any − max_c ℓ_c).
    /// The top category moves to (1−λ)·ℓ_top + λ·ℓ_any; the others keep their distance to it, so a
    /// hateful text raises `hate`, not `sexual`.
    @inline(__always) public func blendedLogit(_ z: SIMD8<Float>, _ slot: Int) -> Double {
        var top = -Double.infinity
        for h in 0..<Head.any.rawValue { top = max(top, stage1Logit(z, h)) }
        return stage1Logit(z, slot) + headBlend[slot] * (stage1Logit(z, Head.any.rawValue) - top)
    }

    /// Probability of a learned slot (0…5) or the any head (6).
    @inline(__always) public func probability(_ z: SIMD8<Float>, _ slot: Int) -> Double {
        if slot == Head.any.rawValue || headBlend[slot] == 0 {
            return 1 / (1 + exp(-stage1Logit(z, slot)))
        }
        let u = blendedLogit(z, slot)
        return 1 / (1 + exp(-(stage2[slot].a * u + stage2[slot].b)))
    }
}
