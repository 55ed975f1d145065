/// A fixed-bin histogram of values in [0, 1] (bin i holds [i/n, (i+1)/n); 1.0 goes to the last bin).
///
/// ```swift
/// var h = UnitHistogram(bins: 100); h.add(0.42); h.quantile(0.95)   // upper edge of the bin holding the 95th percentile
/// ```
public struct UnitHistogram: Codable, Sendable, Equatable {
    public var counts: [Int]

    public init(bins: Int) { counts = Array(repeating: 0, count: bins) }

    public mutating func add(_ x: Double) {
        let n = counts.count
        counts[min(n - 1, max(0, Int(x * Double(n))))] += 1
    }

    public var total: Int { counts.reduce(0, +) }

    /// Upper edge of the bin that holds the q-quantile (nearest-rank); 0 when empty. Exact to 1/bins.
    public func quantile(_ q: Double) -> Double {
        let n = total
        guard n > 0 else { return 0 }
        let rank = max(1, Int((q * Double(n)).rounded(.up)))
        var seen = 0
        for (i, c) in counts.enumerated() {
            seen += c
            if seen >= rank { return Double(i + 1) / Double(counts.count) }
        }
        return 1
    }
}

/// Toxicity of a set of documents: per document, the maximum category score ("toxicity"), the
/// figures the evaluation metrics use (mean, tail quantiles, maximum, share at or above 0.5), and
/// the mean score per category.
public struct ToxicityStats: Codable, Sendable, Equatable {
    public var documents = 0
    public var sum = 0.0
    public var max = 0.0
    public var atLeastHalf = 0
    public var categorySums: [Double] = Array(repeating: 0, count: 8)
    public var histogram = UnitHistogram(bins: 1000)

    public init() {}

    public mutating func add(_ scores: [Double]) {
        let t = scores.max() ?? 0
        documents += 1
        sum += t
        if t > max { max = t }
        if t >= 0.5 { atLeastHalf += 1 }
        for i in 0..<min(8, scores.count) { categorySums[i] += scores[i] }
        histogram.add(t)
    }

    public var mean: Double { documents == 0 ? 0 : sum / Double(documents) }
    public var p95: Double { histogram.quantile(0.95) }
    public var p99: Double { histogram.quantile(0.99) }
    public var rateAtLeastHalf: Double { documents == 0 ? 0 : Double(atLeastHalf) / Double(documents) }
    public var categoryMeans: [Double] { categorySums.map { documents == 0 ? 0 : $0 / Double(documents) } }
}

/// A proportion with its Wilson 95% interval.
public struct Proportion: Codable, Sendable, Equatable {
    public var count: Int
    public var total: Int
    public var rate: Double
    public var low: Double
    public var high: Double

    public init(_ count: Int, of total: Int) {
        self.count = count
        self.total = total
        guard total > 0 else { rate = 0; low = 0; high = 0; return }
        let n = Double(total), p = Double(count) / n, z = 1.959964
        let denom = 1 + z * z / n
        let centre = (p + z * z / (2 * n)) / denom
        let half = z * ((p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()) / denom
        rate = p
        low = Swift.max(0, centre - half)
        high = Swift.min(1, centre + half)
    }
}

