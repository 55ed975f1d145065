import WardenCore
/// A 95 % (or other) confidence interval.
public struct Interval: Codable, Sendable, Equatable {
    public var low: Double
    public var high: Double
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
    public func contains(_ x: Double) -> Bool { low <= x && x <= high }
}

/// Percentile bootstrap over units (prompts, pairs): resample the units with replacement `resamples`
/// times, compute the mean each time, take the 2.5th and 97.5th percentiles.
///
/// ```swift
/// let b = Bootstrap(resamples: 2000, seed: 7)
/// b.meanInterval([0, 1, 1, 0, 1])          // ≈ [0.2, 1.0]
/// b.pairedDifferenceInterval(base: [...], candidate: [...])
/// ```
public struct Bootstrap: Sendable {
    public var resamples: Int
    public var seed: UInt64
    public var level: Double

    public init(resamples: Int = 2000, seed: UInt64 = 7, level: Double = 0.95) {
        self.resamples = resamples
        self.seed = seed
        self.level = level
    }

    /// Interval of the mean of `values` (a single point when there are fewer than 2 values).
    public func meanInterval(_ values: [Double]) -> Interval {
        guard values.count >= 2 else { let m = values.first ?? 0; return Interval(low: m, high: m) }
        var rng = SplitMix64(seed: seed)
        var means = [Double](repeating: 0, count: resamples)
        let n = values.count
        for r in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += values[rng.index(below: n)] }
            means[r] = sum / Double(n)
        }
        return percentiles(means)
    }

    /// Interval of mean(candidate) − mean(base) with both resampled independently (unpaired units).
    public func differenceInterval(base: [Double], candidate: [Double]) -> Interval {
        guard !base.isEmpty, !candidate.isEmpty else { return Interval(low: 0, high: 0) }
        var rng = SplitMix64(seed: seed)
        var diffs = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var a = 0.0, b = 0.0
            for _ in 0..<base.count { a += base[rng.index(below: base.count)] }
            for _ in 0..<candidate.count { b += candidate[rng.index(below: candidate.count)] }
            diffs[r] = b / Double(candidate.count) - a / Double(base.count)
        }
        return percentiles(diffs)
    }

    /// Interval of the mean paired difference (candidate[i] − base[i]); the arrays are aligned by unit.
    public func pairedDifferenceInterval(base: [Double], candidate: [Double]) -> Interval {
        precondition(base.count == candidate.count, "paired arrays must align")
        return meanInterval(zip(candidate, base).map { $0 - $1 })
    }

    /// The (1−level)/2 and (1+level)/2 percentiles, by the nearest-rank method on sorted values.
    func percentiles(_ xs: [Double]) -> Interval {
        let s = xs.sorted()
        let alpha = (1 - level) / 2
        return Interval(low: Self.nearestRank(s, alpha), high: Self.nearestRank(s, 1 - alpha))
    }

    /// Nearest-rank percentile: the value at rank ⌈p·n⌉ (1-based), clamped to [1, n].
    public static func nearestRank(_ sorted: [Double], _ p: Double) -> Double {
        let n = sorted.count
        let rank = min(max(Int((p * Double(n)).rounded(.up)), 1), n)
        return sorted[rank - 1]
    }
}
