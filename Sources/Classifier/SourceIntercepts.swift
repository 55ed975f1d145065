import WardenCore

/// Training-only intercepts, one per (source, head), that absorb each source's base rate so the
/// shared weights learn what separates positives from negatives within a source (see
/// `TrainOptions.sourceInterceptDecay`). AdaGrad like the weights; an L2 decay shrinks each toward
/// 0, so a source of one class (all negatives) still teaches the weights something. Never part
/// of a model: at scoring the shared bias stands alone and calibration sets the scale.
///
/// ```swift
/// var b = SourceIntercepts(sources: 3, decay: 0.01, learningRate: 0.3)
/// let z = sharedBias + b.value(source)        // the logit during training
/// b.step(source, gradient: g, mask: mask)     // after the loss gradient g of that row
/// ```
public struct SourceIntercepts: Sendable {
    public private(set) var values: [SIMD8<Float>]
    private var accumulated: [SIMD8<Float>]
    /// Per source, 1 in the slots that have an intercept (see `activeSlots`), 0 elsewhere.
    private let active: [SIMD8<Float>]
    private let decay: Float
    private let learningRate: Float

    /// `decay` nil: off (every value stays 0, `step` does nothing). `active`: per source, which
    /// slots get an intercept (default: all).
    public init(sources: Int, decay: Float?, learningRate: Float, active: [SIMD8<Float>]? = nil) {
        values = Array(repeating: .zero, count: decay == nil ? 0 : sources)
        accumulated = values
        self.active = active ?? Array(repeating: SIMD8(repeating: 1), count: values.count)
        self.decay = decay ?? 0
        self.learningRate = learningRate
    }

    /// Which (source, head) pairs get an intercept.
    public enum Pairs: String, Sendable, CaseIterable {
        /// Every labeled pair.
        case all
        /// Pairs with both classes: a source of one class for a head keeps teaching it in full.
        case bothClasses = "both-classes"
        /// Pairs with negatives (both classes, or negatives only): a source of positives only for
        /// a head (threats in Gab's and RTP's violence labels) keeps teaching it in full.
        case withNegatives = "with-negatives"
    }

    /// Per source, 1 in the slots `pairs` gives an intercept, judged on the weighted rows
    /// (`sourceOf[k]`, `targets[k]`, `weights[k]`).
    public static func activeSlots(_ pairs: Pairs, sources: Int, sourceOf: [Int], targets: [SIMD8<Float>], weights: [SIMD8<Float>]) -> [SIMD8<Float>] {
        var pos = [SIMD8<Float>](repeating: .zero, count: sources), neg = pos
        for k in sourceOf.indices {
            let labeled = SIMD8<Float>(repeating: 1).replacing(with: 0, where: weights[k] .== 0)
            pos[sourceOf[k]] += labeled * targets[k]
            neg[sourceOf[k]] += labeled * (1 - targets[k])
        }
        return (0..<sources).map { s in
            switch pairs {
            case .all: SIMD8<Float>(repeating: 1)
            case .bothClasses: SIMD8<Float>(repeating: 0).replacing(with: 1, where: (pos[s] .> 0) .& (neg[s] .> 0))
            case .withNegatives: SIMD8<Float>(repeating: 0).replacing(with: 1, where: neg[s] .> 0)
            }
        }
    }

    @inline(__always) public func value(_ source: Int) -> SIMD8<Float> {
        values.isEmpty ? .zero : values[source]
    }

    /// One AdaGrad step on `source`'s intercepts for a row's loss gradient `gradient`; slots whose
    /// `mask` is 0 (the row's unknown labels) are left alone.
    @inline(__always) public mutating func step(_ source: Int, gradient: SIMD8<Float>, mask: SIMD8<Float>) {
        guard !values.isEmpty else { return }
        let b = values[source]
        let grad = (gradient + decay * b) * mask * active[source]
        accumulated[source] += grad * grad
        values[source] = b - learningRate * grad / (accumulated[source].squareRoot() + 1e-8)
    }
}
