import Foundation
import Testing
@testable import Classifier

@Suite("Source intercepts")
struct SourceInterceptTests {
    @Test func offMeansZeroAndNoSteps() {
        var b = SourceIntercepts(sources: 3, decay: nil, learningRate: 0.3)
        b.step(1, gradient: SIMD8(repeating: 1), mask: SIMD8(repeating: 1))
        #expect(b.value(1) == .zero)
        #expect(b.values.isEmpty)
    }

    @Test func followsTheGradientOnlyInLabeledSlotsAndDecays() {
        var b = SourceIntercepts(sources: 2, decay: 0.5, learningRate: 0.3)
        var mask = SIMD8<Float>(repeating: 1)
        mask[3] = 0
        // A source of all negatives: p − y > 0 on every row pushes its intercepts down, until the
        // decay balances the gradient at −0.4 / 0.5.
        for _ in 0..<400 { b.step(0, gradient: SIMD8(repeating: 0.4), mask: mask) }
        #expect(abs(b.value(0)[0] + 0.8) < 0.02, "\(b.value(0)[0])")
        #expect(b.value(0)[3] == 0, "a masked (unknown) slot must not move")
        #expect(b.value(1) == .zero, "another source's intercepts must not move")
        // With the gradient gone, the decay pulls the intercept back toward 0.
        let before = b.value(0)[0]
        for _ in 0..<50 { b.step(0, gradient: .zero, mask: mask) }
        #expect(b.value(0)[0] > before && b.value(0)[0] < 0)
    }

    @Test func pairsChooseWhichSourcesGetAnIntercept() {
        // Source 0 has both classes for slot 0, source 1 only positives, source 2 only negatives;
        // slot 1 is unlabeled everywhere (weight 0), slot 2 labeled only by source 0.
        func row(_ y0: Float, _ y2: Float?) -> (SIMD8<Float>, SIMD8<Float>) {
            var t = SIMD8<Float>(), w = SIMD8<Float>()
            t[0] = y0; w[0] = 1
            if let y2 { t[2] = y2; w[2] = 1 }
            return (t, w)
        }
        let rows = [(0, row(1, 1)), (0, row(0, 0)), (1, row(1, nil)), (1, row(1, nil)), (2, row(0, nil))]
        func slots(_ p: SourceIntercepts.Pairs) -> [[Float]] {
            SourceIntercepts.activeSlots(p, sources: 3, sourceOf: rows.map(\.0), targets: rows.map(\.1.0), weights: rows.map(\.1.1))
                .map { [$0[0], $0[1], $0[2]] }
        }
        #expect(slots(.all) == [[1, 1, 1], [1, 1, 1], [1, 1, 1]])
        #expect(slots(.bothClasses) == [[1, 0, 1], [0, 0, 0], [0, 0, 0]])
        #expect(slots(.withNegatives) == [[1, 0, 1], [0, 0, 0], [1, 0, 0]])
        // An inactive slot never moves, whatever the gradient.
        var b = SourceIntercepts(sources: 3, decay: 0.01, learningRate: 0.3, active: SourceIntercepts.activeSlots(
            .bothClasses, sources: 3, sourceOf: rows.map(\.0), targets: rows.map(\.1.0), weights: rows.map(\.1.1)))
        for _ in 0..<10 { b.step(1, gradient: SIMD8(repeating: 0.5), mask: SIMD8(repeating: 1)) }
        #expect(b.value(1) == .zero)
    }

    /// A weak negative is a category the source never labels: it must teach the weights, so no
    /// intercept absorbs it, although its rows carry weight in that slot.
    @Test func noInterceptForACategoryTheSourceDoesNotAnnotate() {
        func row(_ text: String, hate: Int8, _ source: String) -> LabeledRow {
            var l = [Int8](repeating: -1, count: headSlots)
            l[Head.hate.rawValue] = hate
            l[Head.any.rawValue] = hate
            return LabeledRow(text: text, labels: l, source: source, isDev: false)
        }
        let rows = [row("they are vermin", hate: 1, "forum"), row("nice weather today", hate: 0, "forum"),
                    row("we went hiking", hate: 0, "forum")]
        var o = smallOptions()
        o.weakNegativeWeight = 0.3
        o.sourceInterceptDecay = 0.01
        let data = FeaturizedData(rows: rows, features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let ids = Array(rows.indices)
        let (targets, weights) = Trainer.rowTargets(data, options: o, rows: ids)
        let violence = Head.violence.rawValue, hate = Head.hate.rawValue
        #expect(weights[1][violence] > 0, "the weak negative is in the loss")
        var b = SourceIntercepts(data, options: o, rows: ids, targets: targets, weights: weights, learningRate: 0.3)
        for _ in 0..<10 { b.step(0, gradient: SIMD8(repeating: 0.5), mask: SIMD8(repeating: 1)) }
        #expect(b.value(0)[hate] < 0, "an annotated category keeps its intercept")
        #expect(b.value(0)[violence] == 0, "no intercept for a category the source never labels")
    }

    /// Two hate sources of different base rates, each with a style word on every row ("testimony"
    /// on the mostly hateful one, "lol" on the mostly benign one). Without intercepts the style
    /// word itself becomes evidence of hate; with them the source's rate is absorbed and the
    /// weights keep to what separates hateful from benign rows within each source.
    func rows() -> [LabeledRow] {
        let hateful = SyntheticTexts.hateful, benign = SyntheticTexts.benignAboutGroups
        var out: [LabeledRow] = []
        var k = 0
        func add(_ text: String, hate: Int8, _ source: String) {
            var l = [Int8](repeating: -1, count: headSlots)
            l[Head.hate.rawValue] = hate
            l[Head.any.rawValue] = hate
            out.append(LabeledRow(text: text, labels: l, source: source, isDev: false)); k += 1
        }
        let groups = ["martians", "venusians", "plutonians", "saturnians", "jovians", "neptunians"]
        for (n, g) in groups.enumerated() {
            for (i, t) in hateful.enumerated() {
                let text = t.replacingOccurrences(of: "{g}", with: g)
                add(text + " testimony", hate: 1, "court")
                if (n + i) % 4 == 0 { add(text + " lol", hate: 1, "forum") }
            }
            for (i, t) in benign.enumerated() {
                let text = t.replacingOccurrences(of: "{g}", with: g)
                add(text + " lol", hate: 0, "forum")
                if (n + i) % 4 == 0 { add(text + " testimony", hate: 0, "court") }
            }
        }
        return out
    }

    /// The hate logit the style word adds to a benign sentence, under `decay`.
    func styleEffect(decay: Float?, rate: Float = 10) -> Float {
        var o = smallOptions()
        o.sourceInterceptDecay = decay
        o.sourceInterceptRate = rate
        let data = FeaturizedData(rows: rows(), features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let w = Trainer.train(data, options: o, include: { _ in true })
        let hasher = FeatureHasher(config: o.features)
        func hate(_ text: String) -> Float { w.logits(hasher.features(of: TextNormalizer.normalize(text)))[Head.hate.rawValue] }
        let plain = "we had a picnic by the river"
        return hate(plain + " testimony") - hate(plain + " lol")
    }

    @Test func interceptsKeepASourcesStyleFromBecomingEvidence() {
        let without = styleEffect(decay: nil), with = styleEffect(decay: 0.01)
        #expect(without > 1, "the shortcut this guards against: \(without)")
        #expect(with < without / 2, "style effect with intercepts \(with), without \(without)")
        // At the weights' own rate the intercept absorbs less of it (the n-grams step on every row too).
        let slow = styleEffect(decay: 0.01, rate: 1)
        #expect(slow > with && slow < without, "rate × 1: \(slow)")
    }
}
