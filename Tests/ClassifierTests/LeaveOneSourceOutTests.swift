import Foundation
import Testing
@testable import Classifier

@Suite("Leave-one-source-out table")
struct LeaveOneSourceOutTests {
    func labels(_ known: [Head: Int8]) -> [Int8] {
        var l = [Int8](repeating: -1, count: headSlots)
        for (h, y) in known { l[h.rawValue] = y }
        l[Head.any.rawValue] = known.isEmpty ? -1 : (known.values.contains(1) ? 1 : 0)
        return l
    }

    @Test func annotatedMaxLooksOnlyAtTheCategoriesARowIsLabeledFor() {
        let scores = [0.9, 0.2, 0.1, 0.3, 0.05, 0.7]   // sexual, hate, hate/threatening, harassment, self-harm, violence
        #expect(LeaveOneSourceOut.annotatedMax(scores: scores, labels: labels([.hate: 0])) == 0.2)
        #expect(LeaveOneSourceOut.annotatedMax(scores: scores, labels: labels([.hate: 0, .harassment: 1])) == 0.3)
        #expect(LeaveOneSourceOut.annotatedMax(scores: scores, labels: labels([.sexual: 0, .violence: 0])) == 0.9)
        // A row that names no category (flagged by its source as a whole) falls back to every category.
        var flaggedOnly = [Int8](repeating: -1, count: headSlots)
        flaggedOnly[Head.any.rawValue] = 1
        #expect(LeaveOneSourceOut.annotatedMax(scores: scores, labels: flaggedOnly) == 0.9)
    }

    /// Two hate sources and a violence source; the held-out hate source also has violent rows it
    /// labels only "not hate". The plain any-category score counts the violence head's (right)
    /// alarm on them as false positives; the annotated reading does not.
    func rows() -> [LabeledRow] {
        let hateful = SyntheticTexts.hateful, benign = SyntheticTexts.benignAboutGroups
        let violent = ["i will stab him with a knife tonight", "he shot the guard and beat the driver",
                       "they attacked the village and burned the houses", "i am going to punch you until you bleed"]
        var out: [LabeledRow] = []
        var k = 0
        func add(_ text: String, _ l: [Head: Int8], _ source: String) {
            out.append(LabeledRow(text: text, labels: labels(l), source: source, isDev: k % 4 == 0)); k += 1
        }
        for (source, groups) in [("hate-a", ["martians", "venusians", "plutonians"]), ("hate-b", ["saturnians", "jovians", "neptunians"])] {
            for g in groups {
                for t in hateful { add(t.replacingOccurrences(of: "{g}", with: g), [.hate: 1], source) }
                for t in benign { add(t.replacingOccurrences(of: "{g}", with: g), [.hate: 0], source) }
            }
        }
        for t in violent { add(t, [.hate: 0], "hate-b") }
        for suffix in ["", " again", " at night", " right now", " in the car"] {
            for t in violent { add(t + suffix, [.violence: 1], "violence") }
            for t in benign { add(t.replacingOccurrences(of: "{g}", with: "friends") + suffix, [.violence: 0], "violence") }
        }
        return out
    }

    /// A project-written source with both classes is trained on but never a fold of its own, so
    /// its templated rows cannot raise the mean; naming it in `only` still holds it out.
    @Test func projectSourcesAreTrainedOnButNotHeldOut() throws {
        let o = smallOptions()
        let project = rows().filter { $0.source == "violence" }.map {
            LabeledRow(text: $0.text, labels: $0.labels, source: ThreatAugmentation.sourceName, isDev: $0.isDev)
        }
        let data = FeaturizedData(rows: rows() + project, features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let result = LeaveOneSourceOut.run(data, options: o)
        #expect(result.folds.map(\.source).sorted() == ["hate-a", "hate-b", "violence"])
        let named = LeaveOneSourceOut.run(data, options: o, only: [ThreatAugmentation.sourceName])
        #expect(named.folds.map(\.source) == [ThreatAugmentation.sourceName])
        #expect(named.folds[0].anyAUPRC != nil)
    }

    @Test func tableReportsThePlainAndTheAnnotatedAnyCategoryAUPRC() throws {
        let o = smallOptions()
        let data = FeaturizedData(rows: rows(), features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let result = LeaveOneSourceOut.run(data, options: o)
        #expect(result.folds.map(\.source).sorted() == ["hate-a", "hate-b", "violence"])
        let b = try #require(result.folds.first { $0.source == "hate-b" })
        #expect(b.anyPositives == 12 && b.anyNegatives == 16)
        let plain = try #require(b.anyAUPRC), annotated = try #require(b.annotatedAnyAUPRC)
        #expect(annotated > plain + 0.05, "plain \(plain), annotated \(annotated)")
        // Every fold here has both classes, so the means are over all three.
        let mean = result.folds.compactMap(\.annotatedAnyAUPRC).reduce(0, +) / 3
        #expect(abs(result.meanAnnotatedAnyAUPRC - mean) < 1e-12)
        #expect(result.markdown(title: "t").contains("annotated categories only"))
    }
}
