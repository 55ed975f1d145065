import Foundation
import WardenCore

/// Ranking and threshold metrics for binary labels.
public enum Metrics {
    /// Average precision (area under the precision-recall curve, step-wise), tied scores grouped.
    /// Nil when there is no positive or no negative.
    public static func auprc(scores: [Double], labels: [Bool]) -> Double? {
        let pos = labels.filter { $0 }.count
        guard pos > 0, pos < labels.count else { return nil }
        var ap = 0.0
        var prevRecall = 0.0
        sweepDescending(scores: scores, labels: labels) { _, tp, fp in
            let recall = Double(tp) / Double(pos)
            ap += (recall - prevRecall) * Double(tp) / Double(tp + fp)
            prevRecall = recall
        }
        return ap
    }

    /// Walks the distinct scores from highest to lowest; after each group of tied scores, calls
    /// `visit(score, truePositives, falsePositives)` for the threshold at that score.
    static func sweepDescending(scores: [Double], labels: [Bool], _ visit: (Double, Int, Int) -> Void) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0, fp = 0
        var i = 0
        while i < order.count {
            var j = i
            let s = scores[order[i]]
            while j < order.count, scores[order[j]] == s {
                if labels[order[j]] { tp += 1 } else { fp += 1 }
                j += 1
            }
            visit(s, tp, fp)
            i = j
        }
    }

    /// Area under the ROC curve (ties count one half). Nil without both classes.
    public static func auroc(scores: [Double], labels: [Bool]) -> Double? {
        let pos = labels.filter { $0 }.count
        let neg = labels.count - pos
        guard pos > 0, neg > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j < order.count, scores[order[j]] == scores[order[i]] { j += 1 }
            let avgRank = Double(i + j + 1) / 2
            for k in i..<j where labels[order[k]] { rankSum += avgRank }
            i = j
        }
        return (rankSum - Double(pos) * Double(pos + 1) / 2) / (Double(pos) * Double(neg))
    }

    public struct AtThreshold: Sendable {
        public var precision: Double
        public var recall: Double
        public var f1: Double
    }

    public static func at(threshold t: Double, scores: [Double], labels: [Bool]) -> AtThreshold {
        var tp = 0, fp = 0, fn = 0
        for (s, y) in zip(scores, labels) {
            if s >= t { if y { tp += 1 } else { fp += 1 } } else if y { fn += 1 }
        }
        let p = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
        let r = tp + fn > 0 ? Double(tp) / Double(tp + fn) : 0
        return AtThreshold(precision: p, recall: r, f1: p + r > 0 ? 2 * p * r / (p + r) : 0)
    }

    /// The threshold with the highest F1 (ties: the higher threshold), clamped to `range`. With a
    /// `tolerance`, the lowest threshold whose F1 is within it of the highest: on a flat F1 curve
    /// (a dev split of a hundred positives) the choice leans to recall instead of jumping between
    /// far-apart thresholds of near-equal F1. With `bootstrap` resamples, the mean of the thresholds
    /// the same rule picks on that many bootstrap draws of the rows (bagging; seeded, so the same
    /// rows give the same threshold): where two far-apart thresholds score nearly the same F1, the
    /// mean lands between them in proportion to how often each wins, instead of at whichever one
    /// or two rows favour.
    ///
    /// ```swift
    /// Metrics.maxF1Threshold(scores: s, labels: y, tolerance: 0.01)
    /// Metrics.maxF1Threshold(scores: s, labels: y, bootstrap: 200)
    /// ```
    public static func maxF1Threshold(scores: [Double], labels: [Bool], range: ClosedRange<Double> = 0.05...0.95,
                                      tolerance: Double = 0, bootstrap: Int = 0) -> Double {
        guard labels.contains(true) else { return range.upperBound }
        let chosen: Double?
        if bootstrap > 0 {
            let picks = bootstrapThresholds(scores: scores, labels: labels, resamples: bootstrap, tolerance: tolerance)
            chosen = picks.isEmpty ? nil : picks.reduce(0, +) / Double(picks.count)
        } else {
            chosen = pick(f1Curve(scores: scores, labels: labels), tolerance: tolerance)
        }
        guard let chosen else { return range.upperBound }
        return min(max(chosen, range.lowerBound), range.upperBound)
    }

    /// The threshold of an F1 curve (highest threshold first) with the best F1 (the first of
    /// ties), or with a tolerance the last within it of the best.
    private static func pick(_ curve: [(threshold: Double, f1: Double)], tolerance: Double) -> Double? {
        guard let best = curve.map(\.f1).max(), best > 0 else { return nil }
        return tolerance > 0 ? curve.last { $0.f1 >= best - tolerance }!.threshold : curve.first { $0.f1 == best }!.threshold
    }

    /// F1 of flagging each distinct score and above, highest score first.
    static func f1Curve(scores: [Double], labels: [Bool]) -> [(threshold: Double, f1: Double)] {
        let pos = labels.filter { $0 }.count
        var curve: [(threshold: Double, f1: Double)] = []
        sweepDescending(scores: scores, labels: labels) { s, tp, fp in
            let p = Double(tp) / Double(tp + fp), r = Double(tp) / Double(pos)
            curve.append((s, p + r > 0 ? 2 * p * r / (p + r) : 0))
        }
        return curve
    }

    /// The threshold `pick` chooses on each of `resamples` bootstrap draws of the rows (each draw:
    /// n rows with replacement, by `SplitMix64` with a fixed seed; its F1 curve at the distinct
    /// scores the draw holds); draws without a positive give none.
    static func bootstrapThresholds(scores: [Double], labels: [Bool], resamples: Int, tolerance: Double) -> [Double] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var thresholds: [Double] = [], group = [Int](repeating: 0, count: scores.count)
        for (k, i) in order.enumerated() {
            if k == 0 || scores[i] != scores[order[k - 1]] { thresholds.append(scores[i]) }
            group[i] = thresholds.count - 1
        }
        var rng = SplitMix64(seed: 0xF1)
        return (0..<resamples).compactMap { _ in
            var tpAt = [Int](repeating: 0, count: thresholds.count), fpAt = tpAt
            var pos = 0
            for _ in scores.indices {
                let i = rng.index(below: scores.count)
                if labels[i] { tpAt[group[i]] += 1; pos += 1 } else { fpAt[group[i]] += 1 }
            }
            var tp = 0, fp = 0, curve: [(threshold: Double, f1: Double)] = []
            for g in thresholds.indices where tpAt[g] + fpAt[g] > 0 {
                tp += tpAt[g]; fp += fpAt[g]
                curve.append((thresholds[g], pos > 0 ? Double(2 * tp) / Double(tp + fp + pos) : 0))   // 2·TP / (2·TP + FP + FN)
            }
            return pick(curve, tolerance: tolerance)
        }
    }

    /// Fits Platt scaling p = σ(a·z + b) to logits `z` and labels by Newton's method on the
    /// log-loss, with Platt's smoothed targets.
    public static func fitPlatt(logits z: [Float], labels y: [Bool]) -> Platt {
        let pos = Double(y.filter { $0 }.count)
        let neg = Double(y.count) - pos
        guard pos > 0, neg > 0 else { return Platt(a: 1, b: 0) }
        let hi = (pos + 1) / (pos + 2), lo = 1 / (neg + 2)
        func loss(_ a: Double, _ b: Double) -> Double {
            var l = 0.0
            for (zi, yi) in zip(z, y) {
                let t = yi ? hi : lo
                let m = a * Double(zi) + b
                // log(1 + e^m) - t·m, computed stably
                l += (m > 0 ? m + log1p(exp(-m)) : log1p(exp(m))) - t * m
            }
            return l
        }
        var a = 1.0, b = 0.0
        var current = loss(a, b)
        for _ in 0..<100 {
            var gA = 0.0, gB = 0.0, hAA = 1e-9, hAB = 0.0, hBB = 1e-9
            for (zi, yi) in zip(z, y) {
                let x = Double(zi)
                let t = yi ? hi : lo
                let p = 1 / (1 + exp(-(a * x + b)))
                let d = p - t
                let w = max(p * (1 - p), 1e-12)
                gA += d * x; gB += d
                hAA += w * x * x; hAB += w * x; hBB += w
            }
            let det = hAA * hBB - hAB * hAB
            guard abs(det) > 1e-18 else { break }
            let da = (hBB * gA - hAB * gB) / det
            let db = (hAA * gB - hAB * gA) / det
            // Backtracking line search: Newton steps overshoot on (nearly) separable scores.
            var step = 1.0
            var improved = false
            while step > 1e-8 {
                let na = a - step * da, nb = b - step * db
                let l = loss(na, nb)
                if l < current { a = na; b = nb; current = l; improved = true; break }
                step /= 2
            }
            if !improved || (abs(step * da) < 1e-9 && abs(step * db) < 1e-9) { break }
        }
        if !a.isFinite || !b.isFinite { return Platt(a: 1, b: 0) }
        return Platt(a: a, b: b)
    }
}
