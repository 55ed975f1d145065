import Foundation
import Testing
import WardenCore
@testable import Filter

@Suite struct ThresholdTests {
    @Test func decideFlagsCategoriesAtOrAboveTheirThreshold() {
        let t = FilterThresholds(values: [0.5, 0.1, 0.4, nil, 0.5, 0.5, 0.6, 0.5])
        let d = t.decide([0.2, 0.1, 0.45, 0.99, 0.0, 0.0, 0.7, 0.0])
        #expect(d.flagged == [.sexualMinors, .hate, .violence])
        // margins: 0.0 (minors), 0.05 (hate), 0.1 (violence) → largest 0.1
        #expect(abs(d.margin - 0.1) < 1e-12)
        #expect(d.removes)
    }

    @Test func keptMarginIsTheDistanceToTheNearestThreshold() {
        let d = FilterThresholds.uniform(0.5).decide([0.1, 0, 0.42, 0, 0, 0, 0.3, 0])
        #expect(d.flagged.isEmpty)
        #expect(abs(d.margin - 0.08) < 1e-12)
    }

    @Test func offCategoryNeverRemoves() {
        var t = FilterThresholds.uniform(0.5)
        t.values[ModerationCategory.violence.index] = nil
        #expect(!t.decide([0, 0, 0, 0, 0, 0, 1.0, 0]).removes)
    }

    @Test func yamlDefaultsOverridesAndOff() throws {
        let t = try FilterThresholds.parseYAML("default: 0.6\nhate: 0.4\nsexual/minors: 0.1\nviolence: off\n", path: "t.yaml")
        #expect(t.values == [0.6, 0.1, 0.4, 0.6, 0.6, 0.6, nil, 0.6])
        let base = FilterThresholds.uniform(0.3)
        let u = try FilterThresholds.parseYAML("harassment: 1\n", path: "t.yaml", base: base)
        #expect(u.values == [0.3, 0.3, 0.3, 0.3, 1.0, 0.3, 0.3, 0.3])
    }

    @Test func yamlErrorsNameTheKey() {
        #expect(throws: FilterError.thresholds(path: "t.yaml", key: "hat", reason: "unknown category; use one of: default, sexual, sexual/minors, hate, hate/threatening, harassment, self-harm, violence, violence/graphic")) {
            try FilterThresholds.parseYAML("hat: 0.4\n", path: "t.yaml")
        }
        #expect(throws: FilterError.thresholds(path: "t.yaml", key: "hate", reason: "value 1.5 must be a number in [0, 1] or `off`")) {
            try FilterThresholds.parseYAML("hate: 1.5\n", path: "t.yaml")
        }
        #expect(throws: FilterError.self) { try FilterThresholds.parseYAML("- 0.5\n", path: "t.yaml") }
    }
}

@Suite struct SpanTests {
    @Test func splitsAtSentenceEndsAndLineBreaksKeepingAllText() {
        let text = "Hello there. I hate you!\nBye? ok"
        let spans = SpanSplitter.split(text, maxChars: 600)
        #expect(spans == ["Hello there. ", "I hate you!\n", "Bye? ", "ok"])
        #expect(spans.joined() == text)
    }

    @Test func longSentencesAreCutAtWhitespace() {
        let spans = SpanSplitter.split("aaaa bbbb cccc dddd", maxChars: 10)
        #expect(spans == ["aaaa bbbb ", "cccc dddd"])
        #expect(SpanSplitter.split("abcdefghij", maxChars: 4).joined() == "abcdefghij")
    }

    @Test func maskAndDrop() {
        let spans = SpanSplitter.split("Good one. Bad one. Fine.", maxChars: 600)
        #expect(SpanSplitter.rewrite(spans, flagged: [false, true, false], action: .mask, mask: "[X]") == "Good one. [X] Fine.")
        #expect(SpanSplitter.rewrite(spans, flagged: [false, true, false], action: .drop, mask: "[X]") == "Good one. Fine.")
    }
}

@Suite struct StatisticsTests {
    @Test func histogramQuantileIsTheUpperEdgeOfTheRankBin() {
        var h = UnitHistogram(bins: 10)
        for x in [0.05, 0.15, 0.15, 0.95, 1.0] { h.add(x) }
        #expect(h.counts == [1, 2, 0, 0, 0, 0, 0, 0, 0, 2])
        #expect(h.quantile(0.5) == 0.2)     // rank 3 of 5
        #expect(h.quantile(0.95) == 1.0)    // rank 5
        #expect(UnitHistogram(bins: 4).quantile(0.5) == 0)
    }

    @Test func wilsonIntervalMatchesPublishedValues() {
        // 0/10: [0, 0.2775]; 5/10: [0.2366, 0.7634] (Wilson 1927, z = 1.96)
        let a = Proportion(0, of: 10), b = Proportion(5, of: 10)
        #expect(a.low == 0 && abs(a.high - 0.2775) < 1e-4)
        #expect(abs(b.low - 0.2366) < 1e-4 && abs(b.high - 0.7634) < 1e-4)
        #expect(Proportion(3, of: 0).rate == 0)
    }

    @Test func toxicityStatsUseTheMaxCategory() {
        var s = ToxicityStats()
        s.add([0.1, 0, 0.7, 0, 0, 0, 0, 0])
        s.add([0.2, 0, 0.0, 0, 0, 0, 0.3, 0])
        #expect(s.documents == 2)
        #expect(abs(s.mean - 0.5) < 1e-12)
        #expect(s.max == 0.7)
        #expect(s.rateAtLeastHalf == 0.5)
        #expect(abs(s.categoryMeans[0] - 0.15) < 1e-12)
    }
}

@Suite struct DecidingCategoryTests {
    @Test func decidingIsTheLargestScoreMinusThreshold() {
        let t = FilterThresholds(values: [0.15, nil, 0.3, 0.5, 0.5, 0.5, 0.5, 0.5])
        // hate has the highest score (0.24) but sexual crossed its lower threshold.
        let d = t.decide([0.16, 0.9, 0.24, 0, 0, 0, 0, 0])
        #expect(d.flagged == [.sexual] && d.deciding == .sexual && abs(d.margin - 0.01) < 1e-12)
        let k = t.decide([0.05, 0.9, 0.25, 0, 0, 0, 0, 0])
        #expect(k.flagged.isEmpty && k.deciding == .hate && abs(k.margin - 0.05) < 1e-12)
    }
}
