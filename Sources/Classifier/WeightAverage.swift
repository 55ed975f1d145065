import Foundation

/// Stochastic weight averaging (SWA) of a model trained by per-row steps: the mean of the weights
/// taken `snapshotsPerEpoch` times in each of the last `averagedEpochs` epochs. The mean of
/// nearby points of one trajectory lies in a flatter region of the loss than its last point, which
/// generalized better to unseen domains elsewhere (SWAD, Cha et al. 2021); on Warden's
/// leave-one-source-out table it gained nothing (`docs/precise.md` "Session 19"), so it is off by
/// default (`TrainOptions.averageEpochs`, `TrainOptions.mlpAverageEpochs`).
///
/// ```swift
/// var average = WeightAverage(epochs: 12, averagedEpochs: 6, rowsPerEpoch: rows.count)
/// // after each step: average.observe(epoch: e, step: i, weights: w, count: n, bias: b)
/// let (dense, bias) = average.result ?? (w, b)   // nil when averagedEpochs is 0
/// ```
struct WeightAverage {
    static let snapshotsPerEpoch = 4
    let firstEpoch: Int
    let every: Int
    private(set) var sum: [Double] = []
    private(set) var biasSum = SIMD8<Double>()
    private(set) var snapshots = 0

    init(epochs: Int, averagedEpochs: Int, rowsPerEpoch: Int) {
        firstEpoch = averagedEpochs > 0 ? max(0, epochs - averagedEpochs) : Int.max
        every = max(1, rowsPerEpoch / Self.snapshotsPerEpoch)
    }

    /// Called after step `step` (0-based) of `epoch`; takes a snapshot at each quarter of an averaged epoch.
    @inline(__always)
    mutating func observe(epoch: Int, step: Int, weights: UnsafePointer<Float>, count: Int, bias: SIMD8<Float>) {
        guard epoch >= firstEpoch else { return }
        let done = step + 1
        guard done % every == 0 && done / every <= Self.snapshotsPerEpoch else { return }
        if sum.isEmpty { sum = [Double](repeating: 0, count: count) }
        for i in 0..<count { sum[i] += Double(weights[i]) }
        biasSum += SIMD8<Double>(bias)
        snapshots += 1
    }

    /// The averaged weights and bias, or nil when nothing was averaged.
    var result: (dense: [Float], bias: SIMD8<Float>)? {
        guard snapshots > 0 else { return nil }
        let n = Double(snapshots)
        return (sum.map { Float($0 / n) }, SIMD8<Float>(biasSum / n))
    }
}
