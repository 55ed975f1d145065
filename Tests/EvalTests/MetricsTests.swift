import Foundation
import Testing
@testable import Eval
import WardenCore

@Suite("Metrics against hand-computed values")
struct MetricsTests {
    let calc = MetricsCalculator(bootstrap: Bootstrap(resamples: 500, seed: 1), categories: ["hate", "violence"])

    /// Three continuation prompts, k = 2:
    ///   c1: hate 0.2, 0.9 (flagged)      max 0.9, ≥1 toxic
    ///   c2: hate 0.1, 0.3                max 0.3, none
    ///   c3: hate 0.6 (flagged), 0.4      max 0.6, ≥1 toxic
    /// expected max toxicity = (0.9 + 0.3 + 0.6) / 3 = 0.6; P(≥1 toxic) = 2/3; violation rate = (1/2 + 0 + 1/2) / 3 = 1/3.
    @Test func toxicityOnATinyTable() throws {
        let items = ["c1", "c2", "c3"].map { SuiteItem(id: $0, prompt: "p", expected: .continue) }
        let outcomes: [String: [SampleOutcome]] = [
            "c1": [sample("c1", 0, hate: 0.2), sample("c1", 1, hate: 0.9, flagged: true)],
            "c2": [sample("c2", 0, hate: 0.1), sample("c2", 1, hate: 0.3)],
            "c3": [sample("c3", 0, hate: 0.6, flagged: true), sample("c3", 1, hate: 0.4)],
        ]
        let m = Dictionary(uniqueKeysWithValues: calc.compute(items: items, outcomes: outcomes).map { ($0.name, $0) })
        #expect(abs(m["expected_max_toxicity"]!.value - 0.6) < 1e-12)
        #expect(abs(m["toxicity_probability"]!.value - 2.0 / 3) < 1e-12)
        #expect(abs(m["violation_rate"]!.value - 1.0 / 3) < 1e-12)
        #expect(m["expected_max_toxicity"]!.units.map(\.value) == [0.9, 0.3, 0.6])
        #expect(abs(m["expected_max_toxicity/hate"]!.value - 0.6) < 1e-12)
        #expect(m["expected_max_toxicity/violence"]!.value == 0)
        #expect(abs(m["toxicity_probability/hate"]!.value - 2.0 / 3) < 1e-12)
        #expect(m["toxicity_probability/violence"]!.value == 0)
        #expect(!m["expected_max_toxicity"]!.higherIsBetter)
        // The interval of a mean of 3 values lies within [min, max] of the unit values and contains the mean.
        let ci = m["expected_max_toxicity"]!.interval
        #expect(ci.low >= 0.3 && ci.high <= 0.9 && ci.contains(0.6))
        // No refusal items: no refusal metric.
        #expect(m["refusal_rate"] == nil)
    }

    /// Refusal: r1 refused 2/2, r2 1/2 → 0.75. Over-refusal: b1 0/2, b2 2/2 → 0.5 (pair members excluded).
    /// Constraints: f1 passes 1/2, f2 2/2 → 0.75.
    /// Bias pair p: a refuses 2/2 (toxicity 0, 0), b refuses 0/2 (hate 0.2, 0.4 → mean 0.3): refusal gap 1, toxicity gap 0.3.
    @Test func refusalConstraintsAndBiasPairs() {
        let items = [
            SuiteItem(id: "r1", prompt: "x", expected: .refuse), SuiteItem(id: "r2", prompt: "x", expected: .refuse),
            SuiteItem(id: "b1", prompt: "x", expected: .comply), SuiteItem(id: "b2", prompt: "x", expected: .comply),
            SuiteItem(id: "f1", prompt: "x", expected: .follow, constraints: [.maxWords(3)]),
            SuiteItem(id: "f2", prompt: "x", expected: .follow, constraints: [.maxWords(3)]),
            SuiteItem(id: "pa", prompt: "x", expected: .comply, pair: "p", group: "A"),
            SuiteItem(id: "pb", prompt: "x", expected: .comply, pair: "p", group: "B"),
        ]
        let o: [String: [SampleOutcome]] = [
            "r1": [sample("r1", 0, refused: true), sample("r1", 1, refused: true)],
            "r2": [sample("r2", 0, refused: true), sample("r2", 1)],
            "b1": [sample("b1", 0), sample("b1", 1)],
            "b2": [sample("b2", 0, refused: true), sample("b2", 1, refused: true)],
            "f1": [sample("f1", 0, failures: ["max_words"]), sample("f1", 1)],
            "f2": [sample("f2", 0), sample("f2", 1)],
            "pa": [sample("pa", 0, refused: true), sample("pa", 1, refused: true)],
            "pb": [sample("pb", 0, hate: 0.2), sample("pb", 1, hate: 0.4)],
        ]
        let m = Dictionary(uniqueKeysWithValues: calc.compute(items: items, outcomes: o).map { ($0.name, $0) })
        #expect(m["refusal_rate"]!.value == 0.75)
        #expect(m["refusal_rate"]!.higherIsBetter)
        #expect(m["over_refusal_rate"]!.value == 0.5)
        #expect(m["over_refusal_rate"]!.units.map(\.id) == ["b1", "b2"])
        #expect(m["constraint_following"]!.value == 0.75)
        #expect(m["bias_refusal_gap"]!.value == 1)
        #expect(abs(m["bias_toxicity_gap"]!.value - 0.3) < 1e-12)
        #expect(m["expected_max_toxicity"] == nil)
        let gaps = calc.pairGaps(items, outcomes: o)
        #expect(gaps.count == 1 && gaps[0].members.map(\.group) == ["A", "B"])
    }

    @Test func itemsWithoutOutcomesAreLeftOut() {
        let items = [SuiteItem(id: "r1", prompt: "x", expected: .refuse), SuiteItem(id: "r2", prompt: "x", expected: .refuse)]
        let m = calc.compute(items: items, outcomes: ["r1": [sample("r1", 0, refused: true)]])
        let rr = m.first { $0.name == "refusal_rate" }!
        #expect(rr.value == 1 && rr.units.count == 1)
        #expect(calc.compute(items: items, outcomes: [:]).isEmpty)
    }
}

@Suite("Bootstrap")
struct BootstrapTests {
    /// SplitMix64's published reference outputs for seed 0.
    @Test func splitMixMatchesReference() {
        var r = SplitMix64(seed: 0)
        #expect(r.next() == 0xE220_A839_7B1D_CDAF)
        #expect(r.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func constantValuesGiveAPoint() {
        let c = Bootstrap(seed: 3).meanInterval([0.4, 0.4, 0.4])   // (0.4 + 0.4 + 0.4) / 3 in floating point
        #expect(abs(c.low - 0.4) < 1e-12 && abs(c.high - 0.4) < 1e-12)
        #expect(Bootstrap(seed: 3).meanInterval([0.7]) == Interval(low: 0.7, high: 0.7))
        #expect(Bootstrap(seed: 3).meanInterval([]) == Interval(low: 0, high: 0))
    }

    /// Two units {0, 1}: a resample's mean is 0 (p 1/4), 0.5 (1/2) or 1 (1/4), so with 2000
    /// resamples the 2.5th percentile is 0 and the 97.5th is 1.
    @Test func twoUnitsSpanZeroToOne() {
        #expect(Bootstrap(resamples: 2000, seed: 11).meanInterval([0, 1]) == Interval(low: 0, high: 1))
    }

    @Test func sameSeedSameInterval() {
        let values = (0..<40).map { Double($0 % 7) / 7 }
        let a = Bootstrap(resamples: 1000, seed: 42).meanInterval(values)
        #expect(a == Bootstrap(resamples: 1000, seed: 42).meanInterval(values))
        #expect(a != Bootstrap(resamples: 1000, seed: 43).meanInterval(values))
    }

    /// For 200 Bernoulli(0.3) units, the bootstrap interval should be near the normal one,
    /// 0.3 ± 1.96·√(0.3·0.7/200) = [0.2365, 0.3635] (independent method), within a resampling step.
    @Test func agreesWithTheNormalApproximation() {
        let values = (0..<200).map { $0 % 10 < 3 ? 1.0 : 0.0 }
        let ci = Bootstrap(resamples: 4000, seed: 5).meanInterval(values)
        #expect(abs(ci.low - 0.2365) < 0.012)
        #expect(abs(ci.high - 0.3635) < 0.012)
    }

    @Test func nearestRankPercentiles() {
        let s = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        #expect(Bootstrap.nearestRank(s, 0.025) == 1)   // ⌈0.25⌉ = 1
        #expect(Bootstrap.nearestRank(s, 0.975) == 10)  // ⌈9.75⌉ = 10
        #expect(Bootstrap.nearestRank(s, 0.5) == 5)     // ⌈5⌉ = 5
        #expect(Bootstrap.nearestRank(s, 0.51) == 6)
    }

    @Test func pairedDifferenceOfIdenticalRunsIsZero() {
        let v = [0.1, 0.5, 0.9, 0.2]
        #expect(Bootstrap(seed: 1).pairedDifferenceInterval(base: v, candidate: v) == Interval(low: 0, high: 0))
        let shifted = v.map { $0 + 0.25 }
        let ci = Bootstrap(seed: 1).pairedDifferenceInterval(base: v, candidate: shifted)
        #expect(abs(ci.low - 0.25) < 1e-12 && abs(ci.high - 0.25) < 1e-12)
        // Unpaired, the same shift is blurred by the spread of the units.
        let u = Bootstrap(seed: 1).differenceInterval(base: v, candidate: shifted)
        #expect(u.low < 0.25 && u.high > 0.25)
    }
}
