import Foundation
import Testing
import WardenCore
@testable import Classifier

/// A small synthetic data set: hateful / violent / benign sentences from templates.
func syntheticRows() -> [LabeledRow] {
    let groups = ["martians", "venusians", "plutonians", "saturnians"]
    let hateT = SyntheticTexts.hateful
    let violT = ["i will stab him with a knife tonight", "he shot the guard and beat the driver",
                 "they attacked the village and burned the houses", "i am going to punch you until you bleed"]
    let benignT = ["the {g} festival had great food and music", "my friend likes to study {g} history",
                   "we visited the museum and had lunch", "please summarize this article about gardening",
                   "how do i bake sourdough bread at home", "the weather is lovely this afternoon"]
    var rows: [LabeledRow] = []
    func labels(hate: Int8 = -1, violence: Int8 = -1) -> [Int8] {
        var l = [Int8](repeating: -1, count: headSlots)
        l[Head.hate.rawValue] = hate
        l[Head.violence.rawValue] = violence
        let known = [hate, violence].filter { $0 >= 0 }
        l[Head.any.rawValue] = known.isEmpty ? -1 : (known.contains(1) ? 1 : 0)
        return l
    }
    var k = 0
    for g in groups {
        for t in hateT {
            rows.append(LabeledRow(text: t.replacingOccurrences(of: "{g}", with: g), labels: labels(hate: 1), source: "hatesrc", isDev: k % 5 == 0)); k += 1
        }
        for t in benignT {
            let text = t.replacingOccurrences(of: "{g}", with: g)
            rows.append(LabeledRow(text: text, labels: labels(hate: 0, violence: 0), source: "benign", isDev: k % 5 == 0)); k += 1
            rows.append(LabeledRow(text: text + " today", labels: labels(hate: 0), source: "hatesrc", isDev: k % 5 == 0)); k += 1
        }
    }
    for (i, t) in violT.enumerated() {
        for suffix in ["", " again", " at night", " right now"] {
            rows.append(LabeledRow(text: t + suffix, labels: labels(violence: 1), source: "violsrc", isDev: (i + k) % 5 == 0)); k += 1
        }
    }
    return rows
}

func smallOptions() -> TrainOptions {
    var o = TrainOptions()
    o.features.bucketsLog2 = 14
    o.epochs = 8
    o.threads = 1
    o.name = "test-model"
    // The synthetic rows' violence comes from a source whose violence rows are all positive
    // ("violsrc"), which source intercepts exist to discount; the tests built on these options
    // are about other mechanisms (SourceInterceptTests covers intercepts).
    o.sourceInterceptDecay = nil
    return o
}

@Suite("Model, training and file format")
struct ModelTests {
    @Test func maskedLossLeavesUnlabeledHeadsUntouched() {
        let rows = syntheticRows()
        let o = smallOptions()
        let data = FeaturizedData(rows: rows, features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let w = Trainer.train(data, options: o, include: { _ in true })
        // No row labels sexual, self-harm, harassment or hate/threatening: those slots never move.
        for slot in [Head.sexual, .selfHarm, .harassment, .hateThreatening].map(\.rawValue) {
            var moved = false
            for b in 0...w.buckets where w.storage[b * headSlots + slot] != 0 { moved = true }
            #expect(!moved, "slot \(slot) moved without labels")
        }
        // Hate and violence did move.
        #expect(w.storage.enumerated().contains { $0.offset % headSlots == Head.hate.rawValue && $0.element != 0 })
        #expect(w.storage.enumerated().contains { $0.offset % headSlots == Head.violence.rawValue && $0.element != 0 })
    }

    @Test func rowWithoutLabelDoesNotMoveHead() {
        // Adding rows that label only hate must not change the violence head at all.
        let o = smallOptions()
        var rows = syntheticRows().filter { $0.labels[Head.violence.rawValue] >= 0 }
        let base = FeaturizedData(rows: rows, features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let w1 = Trainer.train(base, options: o, include: { _ in true })
        // same rows, each labels only hate now → violence slot must stay exactly 0
        rows = rows.map { r in var r = r; r.labels[Head.violence.rawValue] = -1; r.labels[Head.hate.rawValue] = r.labels[Head.any.rawValue]; return r }
        let data2 = FeaturizedData(rows: rows, features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let w2 = Trainer.train(data2, options: o, include: { _ in true })
        #expect(w1.storage.enumerated().contains { $0.offset % headSlots == Head.violence.rawValue && $0.element != 0 })
        #expect(!w2.storage.enumerated().contains { $0.offset % headSlots == Head.violence.rawValue && $0.element != 0 })
    }

    @Test func weakNegativesCountOnlyOnAllNegativeRowsAndTheChosenHeads() {
        var o = smallOptions()
        let data = FeaturizedData(rows: syntheticRows(), features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let rows = Array(data.rows.indices)
        let calm = rows.first { data.rows[$0].source == "hatesrc" && data.rows[$0].labels[Head.hate.rawValue] == 0 }!
        let hateful = rows.first { data.rows[$0].source == "hatesrc" && data.rows[$0].labels[Head.hate.rawValue] == 1 }!
        let v = Head.violence.rawValue, s = Head.sexual.rawValue
        o.weakNegativeWeight = 0.5
        let (targets, weights) = Trainer.rowTargets(data, options: o, rows: rows)
        // A row that says "not hate" and nothing else: a weak negative for violence and sexual.
        #expect(weights[calm][v] > 0 && targets[calm][v] == 0 && weights[calm][s] > 0)
        // A hateful row is no evidence about violence: still masked.
        #expect(weights[hateful][v] == 0)
        o.weakNegativeHeads = [.sexual]
        let (_, only) = Trainer.rowTargets(data, options: o, rows: rows)
        #expect(only[calm][v] == 0 && only[calm][s] > 0)
    }

    @Test func selfTrainingLabelsUnannotatedCategoriesWithTheTeachersConfidentVerdicts() {
        var o = smallOptions()
        let data = FeaturizedData(rows: syntheticRows(), features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let teacher = Trainer.train(data, options: o, include: { _ in true })
        o.pseudoLabelWeight = 0.5
        let pseudo = Trainer.pseudoLabels(data, teacher: teacher, options: o, include: { _ in true })
        let rows = Array(data.rows.indices)
        let (targets, weights) = Trainer.rowTargets(data, options: o, rows: rows, pseudo: pseudo)
        let (_, plain) = Trainer.rowTargets(data, options: o, rows: rows)
        let hateful = rows.first { data.rows[$0].text == "all martians are vermin and should be removed" }!
        let violent = rows.first { data.rows[$0].text == "i will stab him with a knife tonight" }!
        let v = Head.violence.rawValue, h = Head.hate.rawValue
        // The hate source does not annotate violence: masked without self-training; with it, the
        // teacher's verdict (not violent) counts, even on a row positive for hate.
        #expect(plain[hateful][v] == 0)
        #expect(pseudo.probabilities[hateful][v] < 0.5)
        #expect(weights[hateful][v] > 0 && targets[hateful][v] == 0)
        let hateOfViolent = pseudo.probabilities[violent][h]
        #expect((weights[violent][h] > 0) == (hateOfViolent < 0.5 || hateOfViolent > 0.9), "teacher: hate \(hateOfViolent)")
        // Annotated labels keep their own target (their weight moves with the class balance).
        #expect(targets[hateful][h] == 1 && weights[hateful][h] > 0 && plain[hateful][h] > 0)
        // A verdict between the two bounds stays unknown; a confident one becomes a positive.
        var unsure = pseudo.probabilities, sure = pseudo.probabilities
        unsure[hateful][v] = 0.7
        sure[hateful][v] = 0.95
        let (_, unsureWeights) = Trainer.rowTargets(data, options: o, rows: rows, pseudo: PseudoLabels(probabilities: unsure, weight: 0.5, negativeBelow: 0.5, positiveAbove: 0.9))
        let (sureTargets, sureWeights) = Trainer.rowTargets(data, options: o, rows: rows, pseudo: PseudoLabels(probabilities: sure, weight: 0.5, negativeBelow: 0.5, positiveAbove: 0.9))
        #expect(unsureWeights[hateful][v] == 0)
        #expect(sureTargets[hateful][v] == 1 && sureWeights[hateful][v] > 0)
        // Training with self-training is deterministic and differs from training without.
        let student = Trainer.train(data, options: o, include: { _ in true })
        #expect(student == Trainer.train(data, options: o, include: { _ in true }))
        #expect(student != teacher)
    }

    @Test func trainingLearnsTheSeparation() throws {
        let rows = syntheticRows()
        let o = smallOptions()
        let data = FeaturizedData(rows: rows, features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let clf = Trainer.fit(data, options: o)
        let hate = clf.scores("all jupiterians are vermin and disgusting parasites").categories
        let benign = clf.scores("we visited the festival and had great food").categories
        let violent = clf.scores("i will stab the guard with a knife").categories
        #expect(hate[ModerationCategory.hate.index] > benign[ModerationCategory.hate.index] + 0.2)
        #expect(violent[ModerationCategory.violence.index] > benign[ModerationCategory.violence.index] + 0.2)
        // On the training rows themselves the any-category AUPRC is high.
        let report = Trainer.evaluate(clf, rows: rows)
        let any = report.first { $0.name.hasPrefix("any category") }!
        #expect((any.auprc ?? 0) > 0.9)
    }

    @Test func trainingIsDeterministic() {
        let rows = syntheticRows()
        let o = smallOptions()
        let data = FeaturizedData(rows: rows, features: o.features, windowChars: 1000, windowStride: 750, threads: 2)
        let a = Trainer.train(data, options: o, include: { _ in true })
        let b = Trainer.train(data, options: o, include: { _ in true })
        #expect(a == b)
        var o2 = o; o2.seed = 7
        let c = Trainer.train(data, options: o2, include: { _ in true })
        #expect(a != c)
    }

    /// Averaged SGD: the n-gram weights are the mean of the last epochs' snapshots, not the last
    /// step's, and the averaged model still separates the classes.
    @Test func averagedNGramWeightsDifferAndStillSeparate() {
        let rows = syntheticRows()
        var o = smallOptions()
        let data = FeaturizedData(rows: rows, features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let plain = Trainer.train(data, options: o, include: { _ in true })
        o.averageEpochs = 4
        let averaged = Trainer.train(data, options: o, include: { _ in true })
        #expect(averaged.storage.count == plain.storage.count && averaged.storage != plain.storage)
        let clf = Trainer.fit(data, options: o)
        let any = Trainer.evaluate(clf, rows: rows).first { $0.name.hasPrefix("any category") }!
        #expect((any.auprc ?? 0) > 0.9)
        let violent = clf.scores("i will stab the guard with a knife").categories
        let benign = clf.scores("we visited the festival and had great food").categories
        #expect(violent[ModerationCategory.violence.index] > benign[ModerationCategory.violence.index] + 0.2)
    }

    func trainedSmallModel() -> ContentClassifier {
        let o = smallOptions()
        let data = FeaturizedData(rows: syntheticRows(), features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        return Trainer.fit(data, options: o)
    }

    @Test func saveLoadRoundTrip() throws {
        let clf = trainedSmallModel()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("warden-rt-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try clf.write(to: url)
        let back = try ContentClassifier.load(contentsOf: url)
        #expect(back.header == clf.header)
        #expect(back.weights == clf.weights)   // weights were rounded to half precision before saving
        for t in ["all venusians are vermin", "hello there", "", "i will stab you"] {
            #expect(back.moderate(t) == clf.moderate(t))
        }
    }

    /// A category with its own any-head shift λ: its blended logit uses it, the others `anyBlend`;
    /// λ 0 leaves a category at stage 1. Trained, it is written to the header and honoured at load.
    @Test func categoriesCanHaveTheirOwnAnyHeadShift() throws {
        var z = SIMD8<Float>(repeating: 0)
        z[Head.hate.rawValue] = 1; z[Head.violence.rawValue] = -1; z[Head.any.rawValue] = 3
        let p1 = [Platt](repeating: Platt(), count: headSlots)
        let cal = Calibrator(stage1: p1, anyBlend: 0.8, headBlend: ["violence": 0.5, "sexual": 0], stage2: p1)
        // top category logit 1, any 3: shift λ·(3 − 1)
        #expect(abs(cal.blendedLogit(z, Head.hate.rawValue) - (1 + 0.8 * 2)) < 1e-9)
        #expect(abs(cal.blendedLogit(z, Head.violence.rawValue) - (-1 + 0.5 * 2)) < 1e-9)
        #expect(cal.probability(z, Head.sexual.rawValue) == 0.5)   // λ 0: stage 1 alone, σ(0)
        #expect(TrainOptions.parseHeadBlends("violence=0.6, harassment=0.5") == ["violence": 0.6, "harassment": 0.5])
        #expect(TrainOptions.parseHeadBlends("none") == [:])
        for bad in ["any=0.6", "sexual/minors=0.5", "violence", "violence=2", "violense=0.6", ""] { #expect(TrainOptions.parseHeadBlends(bad) == nil, "\(bad)") }

        var o = smallOptions()
        o.anyBlendByHead = ["violence": 0.3]
        let data = FeaturizedData(rows: syntheticRows(), features: o.features, windowChars: 1000, windowStride: 750, threads: 1)
        let clf = Trainer.fit(data, options: o)
        #expect(clf.header.anyBlend == 0.8 && clf.header.anyBlendByHead == ["violence": 0.3])
        #expect(clf.calibrator.headBlend[Head.violence.rawValue] == 0.3 && clf.calibrator.headBlend[Head.hate.rawValue] == 0.8)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("warden-blend-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try clf.write(to: url)
        // Format version 3, so that a Warden knowing versions 1 and 2 refuses the file instead of
        // silently scoring without the per-category λ; the fast tier's empty dense block is a count of 0.
        let bytes = try Data(contentsOf: url)
        let plainBytes = try ModelFile.encode(header: plainHeader(clf), weights: clf.weights)
        #expect(bytes[8] == 3 && plainBytes[8] == 1)
        let back = try ContentClassifier.load(contentsOf: url)
        #expect(back.calibrator == clf.calibrator)
        let plain = Trainer.fit(data, options: smallOptions())
        #expect(plain.header.anyBlendByHead == nil)
        let t = "i will stab the guard with a knife"
        #expect(back.moderate(t) == clf.moderate(t) && clf.scores(t).categories != plain.scores(t).categories)
        // A header whose per-category λ names no learned category, or lies outside 0…1, is refused at load.
        for (bad, reason) in [(["violense": 0.3], "violense"), (["violence": 1.5], "outside 0…1")] {
            var header = clf.header
            header.anyBlendByHead = bad
            try ModelFile.encode(header: header, weights: clf.weights).write(to: url)
            do { _ = try ContentClassifier.load(contentsOf: url); Issue.record("loaded \(bad)") }
            catch { #expect("\(error)".contains(reason) && "\(error)".contains(url.path), "\(error)") }
        }
    }

    /// `clf`'s header without the per-category λ (a format version 1 file of the same weights).
    private func plainHeader(_ clf: ContentClassifier) -> ModelHeader {
        var h = clf.header
        h.anyBlendByHead = nil
        return h
    }

    @Test func newerFormatVersionsAreRefusedWithTheReason() throws {
        let clf = trainedSmallModel()
        var bytes = try ModelFile.encode(header: clf.header, weights: clf.weights)
        bytes[8] = 4
        do { _ = try ModelFile.decode(bytes, path: "m.bin"); Issue.record("decoded version 4") }
        catch { #expect("\(error)".contains("m.bin") && "\(error)".contains("unsupported format version 4"), "\(error)") }
    }

    @Test func truncatedAndCorruptFilesFailLoudly() throws {
        let clf = trainedSmallModel()
        let data = try ModelFile.encode(header: clf.header, weights: clf.weights)
        let dir = FileManager.default.temporaryDirectory
        func attempt(_ bytes: Data, _ label: String) -> String? {
            let url = dir.appendingPathComponent("warden-bad-\(label)-\(UUID().uuidString).bin")
            defer { try? FileManager.default.removeItem(at: url) }
            try? bytes.write(to: url)
            do { _ = try ContentClassifier.load(contentsOf: url); return nil }
            catch { let s = "\(error)"; #expect(s.contains(url.path), "error must name the path: \(s)"); return s }
        }
        #expect(attempt(data.prefix(data.count - 1), "trunc1")?.contains("size") == true)
        #expect(attempt(data.prefix(data.count / 2), "trunchalf") != nil)
        #expect(attempt(data.prefix(10), "tiny") != nil)
        #expect(attempt(Data(), "empty") != nil)
        var flipped = data; flipped[data.count / 2] ^= 0x40
        #expect(attempt(flipped, "flip")?.contains("checksum") == true)
        var magic = data; magic[0] = 0x58
        #expect(attempt(magic, "magic")?.contains("magic") == true)
        var header = data; header[20] ^= 0x01
        #expect(attempt(header, "header") != nil)
        do {
            _ = try ContentClassifier.load(contentsOf: dir.appendingPathComponent("does-not-exist.bin"))
            Issue.record("missing file loaded")
        } catch { #expect("\(error)".contains("does-not-exist.bin")) }
    }

    @Test func emptyAndHugeInputs() {
        let clf = trainedSmallModel()
        let e = clf.moderate("")
        #expect(e.categoryScores.count == 8)
        #expect(e.categoryScores.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        let big = String(repeating: "we visited the museum and had lunch. ", count: 1_000_000 / 37)
        let r = clf.moderate(big + "all venusians are vermin and should be removed")
        #expect(r.categoryScores.values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        // The hateful tail of a 1 MB text is found by the windows.
        let tailHate = r.categoryScores[.hate]!
        let plain = clf.moderate(big).categoryScores[.hate]!
        #expect(tailHate > plain)
        let junk = String(repeating: "\u{200B}\u{0007}🙂", count: 10_000)
        #expect(clf.moderate(junk).categoryScores.count == 8)
    }

    @Test func windowsCoverLongTexts() {
        let words = (0..<2000).map { "w\($0 % 97)x" }.joined(separator: " ")
        let n = TextNormalizer.normalize(words)
        let wins = ContentClassifier.windows(n, chars: 1000, stride: 750)
        #expect(wins.count > 1)
        #expect(wins.first!.lowerBound == 0)
        #expect(wins.last!.upperBound == n.tokens.count)
        for (a, b) in zip(wins, wins.dropFirst()) { #expect(b.lowerBound <= a.upperBound) } // overlap, no gap
        for w in wins { #expect(n.tokens[w.upperBound - 1].upperBound - n.tokens[w.lowerBound].lowerBound <= 1000) }
    }
}

@Suite("Rules and metrics")
struct RuleTests {
    func words(_ s: String) -> [String] { TextNormalizer.normalize(s).words }

    @Test func minorIndicator() {
        #expect(SafetyRules.minorIndicator(words("she is only 14 years old")) == 1)
        #expect(SafetyRules.minorIndicator(words("a 15yo girl")) == 1)
        #expect(SafetyRules.minorIndicator(words("a twelve year old")) == 1)
        #expect(SafetyRules.minorIndicator(words("an underage kid")) == 1)
        #expect(SafetyRules.minorIndicator(words("in 8th grade")) == 1)
        #expect(SafetyRules.minorIndicator(words("a little girl")) == 1)
        #expect(SafetyRules.minorIndicator(words("u n d e r a g e")) == 1)
        #expect(SafetyRules.minorIndicator(words("she is 25 years old")) == 0)
        #expect(SafetyRules.minorIndicator(words("5 years ago I moved")) == 0)
        #expect(SafetyRules.minorIndicator(words("two consenting adults")) == 0)
    }

    @Test func goreIndicator() {
        #expect(SafetyRules.goreIndicator(words("his entrails spilled out and blood spatter covered the wall")) > 0.9)
        #expect(SafetyRules.goreIndicator(words("the body was dismembered")) > 0.6)
        #expect(SafetyRules.goreIndicator(words("we went to the park")) == 0)
        #expect(SafetyRules.goreIndicator(words("he punched him")) == 0)
    }

    @Test func aucprMatchesHandComputed() {
        // ranking: + - + -  → AP = (1/1 + 2/3) / 2
        let ap = Metrics.auprc(scores: [0.9, 0.8, 0.7, 0.1], labels: [true, false, true, false])!
        #expect(abs(ap - (1 + 2.0 / 3) / 2) < 1e-9)
        #expect(Metrics.auprc(scores: [0.1, 0.2], labels: [false, false]) == nil)
        #expect(abs(Metrics.auroc(scores: [0.9, 0.8, 0.7, 0.1], labels: [true, false, true, false])! - 0.75) < 1e-9)
    }

    @Test func thresholdsAreMaxF1OrTheLowestWithinATolerance() {
        // F1 by threshold: 0.9 .400, 0.8 .667, 0.7 .857, 0.6 .750, 0.5 .667, 0.4 .800, 0.3 .727
        let s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
        let y = [true, true, true, false, false, true, false]
        #expect(Metrics.maxF1Threshold(scores: s, labels: y) == 0.7)
        #expect(Metrics.maxF1Threshold(scores: s, labels: y, tolerance: 0.01) == 0.7)
        #expect(Metrics.maxF1Threshold(scores: s, labels: y, tolerance: 0.06) == 0.4)   // .800 ≥ .857 − .06
        #expect(Metrics.maxF1Threshold(scores: s, labels: y, tolerance: 0.2) == 0.3)
        #expect(Metrics.maxF1Threshold(scores: [0.2, 0.01], labels: [true, false], tolerance: 0.5) == 0.05)   // clamped
    }

    /// Two far-apart thresholds of near-equal F1: the top 9 rows (all positive, F1 .720) and the
    /// alternating stretch below them (F1 .711 at 0.44). Max F1 takes the first by a hair; the
    /// bagged threshold (mean over bootstrap draws of each draw's max-F1 threshold) lands between
    /// them, and is the same on every call.
    @Test func baggedThresholdsLandBetweenNearEqualMaxima() {
        let labels = Array(repeating: true, count: 9) + Array(repeating: false, count: 7)
            + (0..<7).flatMap { _ in [true, false] } + Array(repeating: false, count: 20)
        let scores = labels.indices.map { 0.95 - 0.9 * Double($0) / Double(labels.count - 1) }
        let curve = Metrics.f1Curve(scores: scores, labels: labels)
        #expect(abs(curve[8].f1 - 0.720) < 0.001 && abs(curve[28].f1 - 0.711) < 0.001)
        #expect(Metrics.maxF1Threshold(scores: scores, labels: labels) == scores[8])
        let bagged = Metrics.maxF1Threshold(scores: scores, labels: labels, bootstrap: 200)
        #expect(bagged > 0.55 && bagged < 0.72, "between \(scores[28]) and \(scores[8]): \(bagged)")
        #expect(Metrics.maxF1Threshold(scores: scores, labels: labels, bootstrap: 200) == bagged)
        // Well-separated classes: every draw picks its lowest positive, so the mean stays above every negative.
        let separable = Metrics.maxF1Threshold(scores: [0.9, 0.85, 0.8, 0.75, 0.7, 0.3, 0.2, 0.1],
                                               labels: [true, true, true, true, true, false, false, false], bootstrap: 100)
        #expect(separable >= 0.7 && separable < 0.8)
    }

    @Test func plattFitsSeparableScores() {
        let z: [Float] = [-3, -2, -1, -0.5, 0.5, 1, 2, 3]
        let y = [false, false, false, true, false, true, true, true]
        let p = Metrics.fitPlatt(logits: z, labels: y)
        #expect(p.a > 0)
        #expect(p.apply(3) > 0.8)
        #expect(p.apply(-3) < 0.2)
    }

    @Test func jsonFormats() throws {
        #expect(try ModerationJSON.parseInput(Array(#"{"input": "hi"}"#.utf8), line: 1) == "hi")
        #expect(throws: ModerationJSON.InputError.self) { try ModerationJSON.parseInput(Array("{nope".utf8), line: 7) }
        do { _ = try ModerationJSON.parseInput([0x7B, 0xFF, 0x7D], line: 3); Issue.record("accepted bad UTF-8") }
        catch { #expect("\(error)" == "line 3: invalid UTF-8") }
        let r = ModerationResult(scores: [.hate: 0.9], thresholds: [.hate: 0.5])
        let s = ModerationJSON.format(r)
        let obj = try JSONSerialization.jsonObject(with: Data(s.utf8)) as! [String: Any]
        #expect(obj["flagged"] as? Bool == true)
        #expect((obj["category_scores"] as! [String: Any]).count == 8)
    }

    @Test func datasetLabelsAreMaskedNotZero() {
        let l = DatasetReader.slotLabels(labels: ["hate": 1], orig: nil)
        #expect(l[Head.hate.rawValue] == 1)
        #expect(l[Head.violence.rawValue] == -1)
        #expect(l[Head.any.rawValue] == 1)
        let tox = DatasetReader.slotLabels(labels: [:], orig: ["toxicity": 1])
        #expect(tox[Head.any.rawValue] == 1)
        #expect(tox[Head.hate.rawValue] == -1)
        #expect(DatasetReader.slotLabels(labels: [:], orig: ["rating": "Mature"])[Head.any.rawValue] == -1)
        #expect(DatasetReader.slotLabels(labels: ["hate": 0], orig: nil)[Head.any.rawValue] == 0)
    }
}

@Suite("Shipped model")
struct BundledModelTests {
    static var modelURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Models/warden-fast.bin")
    }

    @Test func flagsObviousHateAndViolenceNotBenign() throws {
        let clf = try ContentClassifier.load(contentsOf: Self.modelURL)
        #expect(clf.modelName.hasPrefix("warden-fast"))
        let hateful = clf.moderate("All immigrants are filthy vermin and should be exterminated")
        let violent = clf.moderate("I am going to kill you and stab your family with a knife")
        let benign = clf.moderate("Could you suggest a recipe for a vegetable soup for dinner?")
        let maxScore = { (r: ModerationResult) in r.categoryScores.values.max()! }
        #expect(hateful.flagged)
        #expect(violent.flagged)
        #expect(!benign.flagged)
        #expect(hateful.categoryScores[.hate]! > 0.5)
        #expect(maxScore(benign) < 0.3)
        // Evasion does not get through: the obfuscated text scores like the plain one.
        let plain = clf.moderate("you stupid idiot, kill yourself").categoryScores
        let obf = clf.moderate("y0u $tup1d 1d10t, k i l l  yoursеlf").categoryScores
        for c in ModerationCategory.allCases { #expect(abs(plain[c]! - obf[c]!) < 0.05) }
    }

    @Test func bundledFindsModelViaEnvironmentOrCWD() throws {
        // WARDEN_MODEL is read by bundled(); this process may not have it, so check the candidates.
        let c = ContentClassifier.bundledCandidates().map(\.path)
        #expect(c.contains { $0.hasSuffix("Models/warden-fast.bin") })
    }

    @Test func biasAuditRuns() throws {
        let clf = try ContentClassifier.load(contentsOf: Self.modelURL)
        let r = BiasAudit.run(clf)
        #expect(r.groups.count == BiasAudit.groups.map(\.names.count).reduce(0, +))
        #expect(r.groups.allSatisfy { $0.sentences == BiasAudit.templates.count })
    }
}
