import Foundation
import Testing
@testable import Classifier

@Suite("Features and hashing")
struct FeatureTests {
    @Test func stableHashIsFixed() {
        // Fixed values: buckets of a shipped model depend on them, on every platform and run.
        #expect(StableHash.hash("") == StableHash.fmix(StableHash.offset))
        #expect(StableHash.hash("kill") == StableHash.hash("kill"))
        #expect(StableHash.hash("kill") != StableHash.hash("kilk"))
        // FNV-1a 64 of "a" before mixing is the published test vector.
        #expect(StableHash.step(StableHash.offset, 0x61) == 0xaf63_dc4c_8601_ec8c)
    }

    @Test func featuresAreDeterministicAndNormalised() {
        let h = FeatureHasher(config: FeatureConfig())
        let t = TextNormalizer.normalize("the quick brown fox jumps over the lazy dog, the end")
        let a = h.features(of: t), b = h.features(of: t)
        #expect(a.indices == b.indices)
        #expect(a.values == b.values)
        let norm = a.values.reduce(0) { $0 + $1 * $1 }
        #expect(abs(norm - 1) < 1e-4)
        #expect(Set(a.indices).count == a.indices.count)       // unique buckets
        #expect(a.indices.allSatisfy { Int($0) < h.bucketCount })
        #expect(h.features(of: TextNormalizer.normalize("")).count == 0)
    }

    @Test func repeatedFeaturesGetSublinearWeight() {
        var c = FeatureConfig(); c.charMax = 0; c.wordBigrams = false
        let h = FeatureHasher(config: c)
        let v = h.features(of: TextNormalizer.normalize("spam spam spam spam eggs"))
        #expect(v.count == 2)
        let big = v.values.max()!, small = v.values.min()!
        #expect(abs(big / small - (1 + logf(4))) < 1e-4)
    }

    @Test func evasionMapsToSameFeatures() {
        let h = FeatureHasher(config: FeatureConfig())
        let a = h.features(of: TextNormalizer.normalize("kill yourself"))
        let b = h.features(of: TextNormalizer.normalize("K 1 L L  yourself"))
        let c = h.features(of: TextNormalizer.normalize("kiiiill Yourself!!"))
        #expect(a.indices.sorted() == c.indices.sorted())
        #expect(a.indices.sorted() == b.indices.sorted())
    }

    @Test func halfPrecisionRoundTrip() {
        for f: Float in [0, 1, -1, 0.5, 3.14159, -2.71828, 1e-3, 65504, 1e-7, -0.0001] {
            let back = Half.toFloat(Half.fromFloat(f))
            #expect(abs(back - f) <= max(abs(f) * 1e-3, 6e-8))
        }
        #expect(Half.toFloat(Half.fromFloat(1e6)).isInfinite)
    }
}

@Suite struct DocumentFeaturesTests {
    /// Windows of a long text scored from the document's dense features equal the direct features
    /// of each window (same logits up to float rounding), first and middle windows alike.
    @Test func windowLogitsEqualDirectOnes() throws {
        let clf = try ContentClassifier.bundled()
        let text = TextNormalizer.normalize((0..<400).map { i in ["kill", "the", "garden", "idiot", "w\(i % 37)", "blue", "garden"][i % 7] }.joined(separator: " "))
        let doc = DocumentFeatures(text, hasher: clf.hasher, weights: clf.weights)
        let windows = ContentClassifier.windows(text, chars: 1000, stride: 750)
        #expect(windows.count > 2)
        for w in windows + [0..<1, 1..<2, 5..<9, 0..<text.tokens.count] {
            let direct = clf.weights.logits(clf.hasher.features(of: text, tokens: w))
            let dense = doc.logits(window: w)
            for s in 0..<headSlots { #expect(abs(direct[s] - dense[s]) <= 1e-5 * max(1, abs(direct[s])), "window \(w), slot \(s)") }
        }
        // The same window twice: the scratch counts are cleared after each window.
        let again = doc.logits(window: windows[1])
        #expect(again == doc.logits(window: windows[1]))
    }
}
