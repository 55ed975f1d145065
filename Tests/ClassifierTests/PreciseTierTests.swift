import Foundation
import Synchronization
import Testing
import WardenCore
@testable import Classifier

/// A stand-in encoder whose embedding knows synonyms the n-grams cannot: every word of a topic maps
/// to the same dimension, including words that never occur in training. Counts the texts it embeds.
final class TopicEmbedder: SentenceEmbedding {
    static let topics: [[String]] = [
        ["vermin", "parasites", "filth", "subhuman", "cockroaches", "rats"],
        ["stab", "knife", "shot", "punch", "bleed", "strangle", "machete"],
        ["festival", "museum", "bread", "weather", "picnic", "orchard"],
    ]
    let embedded = Mutex(0)
    var dimension: Int { 4 }

    func embed(_ texts: [String], maxTokens: Int) -> [[Float]] {
        embedded.withLock { $0 += texts.count }
        return texts.map { text in
            var v = [Float](repeating: 0, count: 4)
            let words = text.lowercased().split { !$0.isLetter }.map(String.init)
            for w in words { if let t = Self.topics.firstIndex(where: { $0.contains(w) }) { v[t] += 1 } }
            v[3] = 0.1
            let n = (v.reduce(0) { $0 + $1 * $1 }).squareRoot()
            return v.map { $0 / n }
        }
    }
}

func embeddingTable(for rows: [LabeledRow], embedder: TopicEmbedder) -> EmbeddingTable {
    var table = EmbeddingTable(dimension: embedder.dimension)
    for (r, e) in zip(rows, embedder.embed(rows.map(\.text), maxTokens: 128)) { table[TextKey(r.text)] = e }
    return table
}

func preciseOptions() -> TrainOptions {
    var o = smallOptions()
    o.denseScale = 1
    o.name = "test-precise"
    return o
}

/// The synthetic rows' fast tier and precise tier (with the topic embedder), trained the same way.
func twoTrainedTiers() throws -> (TopicEmbedder, ContentClassifier, PreciseClassifier) {
    let rows = syntheticRows()
    let emb = TopicEmbedder()
    let data = FeaturizedData(rows: rows, features: smallOptions().features, windowChars: 1000, windowStride: 750, threads: 1)
    data.attach(embeddingTable(for: rows, embedder: emb))
    let fast = Trainer.fit(data, options: smallOptions())
    let precise = try PreciseClassifier(model: Trainer.fit(data, options: preciseOptions()), encoder: emb)
    return (emb, fast, precise)
}

@Suite("Precise tier: embeddings joined to n-grams")
struct PreciseTierTests {
    @Test func textKeyIsTheSHA256Prefix() {
        // sha256("hello") = 2cf24dba5fb0a30e 26e83b2ac5b9e29e 1b161e5c1fa7425e 73043362938b9824
        let k = TextKey("hello")
        #expect(k.high == 0x2cf2_4dba_5fb0_a30e)
        #expect(k.low == 0x26e8_3b2a_c5b9_e29e)
        #expect(TextKey("") != TextKey(" "))
    }

    @Test func embeddingTableRoundTripsAndRejectsBrokenFiles() throws {
        var t = EmbeddingTable(dimension: 3)
        t[TextKey("a")] = [0.5, -0.25, 1]
        t[TextKey("b")] = [0.1, 0.2, 0.3]
        t[TextKey("a")] = [0.5, -0.25, 0.75]      // replaced, not appended
        #expect(t.count == 2)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("emb-\(UUID().uuidString)/e.bin").path
        try t.save(path: path)
        let back = try #require(try EmbeddingTable.load(path: path))
        #expect(back.count == 2)
        #expect(back[TextKey("a")] == [0.5, -0.25, 0.75])
        // The table in memory holds what its file holds: a first training run (embeddings just
        // computed) and a rerun from the cache see the same numbers.
        #expect(back[TextKey("b")] == t[TextKey("b")])
        #expect(t[TextKey("b")] != [0.1, 0.2, 0.3])
        // Half precision: 0.1 comes back within 1e-4.
        let b = try #require(back[TextKey("b")])
        #expect(abs(b[0] - 0.1) < 1e-4 && abs(b[2] - 0.3) < 1e-3)
        #expect(try EmbeddingTable.load(path: path + ".missing") == nil)

        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes.removeLast(3)
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelFileError.self) { try EmbeddingTable.load(path: path) }
        do { _ = try EmbeddingTable.load(path: path) } catch { #expect("\(error)".contains(path) && "\(error)".contains("truncated")) }
        try Data("not an embedding file".utf8).write(to: URL(fileURLWithPath: path))
        do { _ = try EmbeddingTable.load(path: path); Issue.record("bad magic accepted") } catch { #expect("\(error)".contains("bad magic")) }
    }

    @Test func sourceSampleIsLabelBlindCappedAndKeepsRarePositives() {
        var rows: [LabeledRow] = []
        for i in 0..<50 {
            var l = [Int8](repeating: -1, count: headSlots)
            l[Head.hate.rawValue] = Int8(i % 2); l[Head.any.rawValue] = Int8(i % 2)
            rows.append(LabeledRow(text: "big \(i)", labels: l, source: "big", isDev: false))
        }
        for i in 0..<5 {
            var l = [Int8](repeating: -1, count: headSlots)
            l[Head.sexual.rawValue] = 1; l[Head.any.rawValue] = 1
            rows.append(LabeledRow(text: "rare \(i)", labels: l, source: "big", isDev: false))
        }
        rows.append(LabeledRow(text: "small", labels: [Int8](repeating: 0, count: headSlots), source: "small", isDev: true))
        let s = SourceSample(rows: rows, perSource: 10)
        #expect(s.sampled.filter { rows[$0].source == "big" }.count == 10)
        #expect(s.sampled.contains(rows.count - 1))   // a small source is kept whole
        // The sample is the 10 smallest keys of the source, whatever the labels.
        let bigKeys = rows.indices.filter { rows[$0].source == "big" }.map { (TextKey(rows[$0].text), $0) }.sorted { $0.0 < $1.0 }
        #expect(Set(bigKeys.prefix(10).map(\.1)) == s.sampled.filter { rows[$0].source == "big" })
        // Every sexual positive is in the training set, sampled or added.
        for i in 50..<55 { #expect(s.contains(i)) }
        #expect(s.rarePositives.isDisjoint(with: s.sampled))
        #expect(SourceSample(rows: rows, perSource: 10).sampled == s.sampled)
    }

    @Test func denseModelFileRoundTripsAndMismatchesFailLoudly() throws {
        let rows = syntheticRows()
        let emb = TopicEmbedder()
        let data = FeaturizedData(rows: rows, features: smallOptions().features, windowChars: 1000, windowStride: 750, threads: 1)
        #expect(data.attach(embeddingTable(for: rows, embedder: emb)) == rows.count)
        let clf = Trainer.fit(data, options: preciseOptions())
        #expect(clf.weights.denseDim == 4 && clf.header.denseDim == 4 && clf.header.encoder == "all-MiniLM-L6-v2")
        let encoded = try ModelFile.encode(header: clf.header, weights: clf.weights)
        #expect(encoded[8] == 2)   // format version 2
        let (h, w) = try ModelFile.decode(encoded, path: "p.bin")
        #expect(h == clf.header && w == clf.weights)

        // A header that promises 5 dimensions over 4 × 8 dense weights is refused.
        var bad = clf.header
        bad.denseDim = 5
        let mismatched = try ModelFile.encode(header: bad, weights: clf.weights)
        #expect(throws: ModelFileError.self) { try ModelFile.decode(mismatched, path: "p.bin") }
        // Cutting the dense part off is caught by the size check.
        #expect(throws: ModelFileError.self) { try ModelFile.decode(encoded.prefix(encoded.count - 20), path: "p.bin") }
        // A fast-tier model still writes format version 1.
        let fast = Trainer.fit(data, options: smallOptions())
        #expect(try ModelFile.encode(header: fast.header, weights: fast.weights)[8] == 1)
        // With a per-category λ the precise model is format version 3 (same layout as 2) and round-trips.
        var blended = clf.header
        blended.anyBlendByHead = ["violence": 0.6]
        let v3 = try ModelFile.encode(header: blended, weights: clf.weights)
        #expect(v3[8] == 3)
        let (h3, w3) = try ModelFile.decode(v3, path: "p.bin")
        #expect(h3 == blended && w3 == clf.weights)
        // Version 3 with dense weights but no encoder in the header is refused, not read as a fast model.
        blended.denseDim = nil
        blended.encoder = nil
        let orphan = try ModelFile.encode(header: blended, weights: clf.weights)
        do { _ = try ModelFile.decode(orphan, path: "p.bin"); Issue.record("decoded dense weights without an encoder") }
        catch { #expect("\(error)".contains("names no encoder"), "\(error)") }
    }

    @Test func theEmbeddingCarriesWhatTheNGramsCannotSee() throws {
        let (emb, fast, precise) = try twoTrainedTiers()
        // None of these words occurs in training; the topic embedder knows which topic each is.
        let hate = "cockroaches rats", violent = "machete strangle", benign = "picnic orchard"
        let h = ModerationCategory.hate.index, v = ModerationCategory.violence.index
        func gap(_ s: (String) -> [Double], _ c: Int, _ a: String, _ b: String) -> Double { s(a)[c] - s(b)[c] }
        let p = { (t: String) in precise.scores([t])[0].categories }
        let f = { (t: String) in fast.scores(t).categories }
        // The precise tier separates unseen hateful / violent words from unseen benign ones...
        #expect(gap(p, h, hate, benign) > 0.2)
        #expect(gap(p, v, violent, benign) > 0.1)
        // ...which the n-grams alone cannot do.
        #expect(abs(gap(f, h, hate, benign)) < 0.1)
        #expect(abs(gap(f, v, violent, benign)) < 0.05)
    }

    @Test func base64IsDecodedOnThePreciseTierToo() throws {
        let (_, fast, precise) = try twoTrainedTiers()
        func b64(_ t: String) -> String { Data(t.utf8).base64EncodedString() }
        let hateful = b64("all martians are vermin and should be removed")
        let benign = b64("we visited the museum and had lunch today")
        let h = ModerationCategory.hate.index
        // Both tiers score what the base64 hides (the fast tier is what escalates to the precise one).
        #expect(fast.scores(hateful).categories[h] > fast.scores(benign).categories[h] + 0.3)
        #expect(precise.scores([hateful])[0].categories[h] > precise.scores([benign])[0].categories[h] + 0.3)
    }

    /// Synthetic rows with topic embeddings, and late-fusion options with an MLP expert.
    func mlpFusion(hidden: Int, ensemble: Int = 1) -> (TopicEmbedder, FeaturizedData, TrainOptions) {
        let rows = syntheticRows()
        let emb = TopicEmbedder()
        let data = FeaturizedData(rows: rows, features: smallOptions().features, windowChars: 1000, windowStride: 750, threads: 1)
        data.attach(embeddingTable(for: rows, embedder: emb))
        var o = preciseOptions()
        o.lateFusion = 0.65
        o.hiddenUnits = hidden
        o.mlpEpochs = 30
        o.mlpLearningRate = 0.1
        o.mlpEnsemble = ensemble
        return (emb, data, o)
    }

    @Test func lateFusionWithAnMLPExpertLearnsAndRoundTrips() throws {
        let (emb, data, o) = mlpFusion(hidden: 8)
        let model = Trainer.fit(data, options: o)
        #expect(model.weights.hiddenUnits == 8 && model.header.hiddenUnits == 8)
        #expect(model.weights.dense.count == EmbeddingMLP.parameterCount(inputs: 4, hidden: 8))
        let precise = try PreciseClassifier(model: model, encoder: emb)
        let h = ModerationCategory.hate.index
        #expect(precise.scores(["cockroaches rats"])[0].categories[h] > precise.scores(["picnic orchard"])[0].categories[h] + 0.2)
        // Same seed, same weights; the file keeps them (half precision, already rounded).
        #expect(Trainer.fit(data, options: o).weights == model.weights)
        let (header, weights) = try ModelFile.decode(try ModelFile.encode(header: model.header, weights: model.weights), path: "m.bin")
        #expect(header == model.header && weights == model.weights)
        // A header that claims a different hidden size is refused.
        var bad = model.header
        bad.hiddenUnits = 9
        #expect(throws: ModelFileError.self) { try ModelFile.decode(try ModelFile.encode(header: bad, weights: model.weights), path: "m.bin") }
    }

    @Test func mlpLogitsMatchAHandComputation() {
        // D = 2 inputs, H = 2 hidden: W1 = [[1, -1], [2, 0.5]], b1 = [0, -3], W2 rows of 8 slots.
        var w: [Float] = [1, -1, 2, 0.5, 0, -3]
        w += [1, 0, 0, 0, 0, 0, 0, 2] + [0, 1, 0, 0, 0, 0, 0, -1]
        let e: [Float] = [0.5, 1]
        // h = ReLU([0.5·1 + 1·2 + 0, 0.5·(−1) + 1·0.5 − 3]) = [2.5, 0]
        let z = e.withUnsafeBufferPointer { ep in w.withUnsafeBufferPointer { EmbeddingMLP.logits(ep.baseAddress!, weights: $0.baseAddress!, inputs: 2, hidden: 2) } }
        #expect(z == SIMD8<Float>(2.5, 0, 0, 0, 0, 0, 0, 5))
    }

    @Test func aJoinedMLPEnsembleScoresTheMeanOfItsMembersLogits() {
        var g = SplitMix64(seed: 5)
        func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float(g.next() >> 40) / Float(1 << 24) * 2 - 1 } }
        let D = 5, H = 3
        let members = (0..<3).map { _ in (dense: random(EmbeddingMLP.parameterCount(inputs: D, hidden: H)), bias: SIMD8<Float>(random(8))) }
        let joined = EmbeddingMLP.join(members, inputs: D, hidden: H)
        #expect(joined.dense.count == EmbeddingMLP.parameterCount(inputs: D, hidden: 3 * H))
        for _ in 0..<20 {
            let e = random(D)
            func z(_ w: [Float], _ h: Int) -> SIMD8<Float> {
                e.withUnsafeBufferPointer { ep in w.withUnsafeBufferPointer { EmbeddingMLP.logits(ep.baseAddress!, weights: $0.baseAddress!, inputs: D, hidden: h) } }
            }
            let mean = members.map { z($0.dense, H) + $0.bias }.reduce(SIMD8<Float>(), +) / 3
            let got = z(joined.dense, 3 * H) + joined.bias
            #expect(((got - mean) * (got - mean)).max() < 1e-10, "\(got) vs \(mean)")
        }
    }

    @Test func anEnsembleTrainsIntoOneWiderMLP() throws {
        let (emb, data, o) = mlpFusion(hidden: 4, ensemble: 3)
        let model = Trainer.fit(data, options: o)
        #expect(model.weights.hiddenUnits == 12 && model.header.hiddenUnits == 12)
        let precise = try PreciseClassifier(model: model, encoder: emb)
        let h = ModerationCategory.hate.index
        #expect(precise.scores(["cockroaches rats"])[0].categories[h] > precise.scores(["picnic orchard"])[0].categories[h] + 0.2)
        // Members trained side by side (threads 2) or one after another (threads 1): the same model.
        var sequential = o, sideBySide = o
        sequential.threads = 1
        sideBySide.threads = 2
        #expect(Trainer.fit(data, options: sideBySide).weights == Trainer.fit(data, options: sequential).weights)
    }

    @Test func preciseClassifierRefusesAFastModelOrAnotherDimension() throws {
        let rows = syntheticRows()
        let data = FeaturizedData(rows: rows, features: smallOptions().features, windowChars: 1000, windowStride: 750, threads: 1)
        #expect(throws: ModelFileError.self) { try PreciseClassifier(model: Trainer.fit(data, options: smallOptions()), encoder: TopicEmbedder()) }
        var table = EmbeddingTable(dimension: 3)
        for r in rows { table[TextKey(r.text)] = [1, 0, 0] }
        data.attach(table)
        let threeDim = Trainer.fit(data, options: preciseOptions())
        #expect(throws: ModelFileError.self) { try PreciseClassifier(model: threeDim, encoder: TopicEmbedder()) }
    }

    @Test func tiersEscalateOnlyWhatTheyShould() throws {
        let (emb, fast, precise) = try twoTrainedTiers()
        let texts = ["all martians are vermin and should be removed", "we visited the museum and had lunch",
                     "neptunians cockroaches rats", "i will stab him with a knife tonight"]
        emb.embedded.withLock { $0 = 0 }
        let never = TieredClassifier(fast: fast, precise: precise, escalation: .never)
        #expect(never.moderate(texts) == texts.map(fast.moderate))
        #expect(emb.embedded.withLock { $0 } == 0)

        let always = TieredClassifier(fast: fast, precise: precise, escalation: .always)
        let expected = precise.moderate(texts)
        emb.embedded.withLock { $0 = 0 }
        #expect(always.moderate(texts) == expected)
        #expect(emb.embedded.withLock { $0 } == 4)

        emb.embedded.withLock { $0 = 0 }
        let tiers = TieredClassifier(fast: fast, precise: precise, escalation: .uncertain)
        let fastScores = texts.map { fast.scores($0).categories }
        let unsure = fastScores.filter(tiers.isUncertain).count
        let results = tiers.moderate(texts)
        #expect(emb.embedded.withLock { $0 } == unsure)
        for (i, t) in texts.enumerated() {
            #expect(results[i] == (tiers.isUncertain(fastScores[i]) ? expected[i] : fast.moderate(t)))
        }
        // Without a blocking call: the fast answer for what the fast tier settles, nil for the rest,
        // and the encoder is never asked.
        emb.embedded.withLock { $0 = 0 }
        for (i, t) in texts.enumerated() {
            #expect(tiers.moderateWithoutBlocking(t) == (tiers.isUncertain(fastScores[i]) ? nil : fast.moderate(t)))
            #expect(always.moderateWithoutBlocking(t) == nil)
            #expect(never.moderateWithoutBlocking(t) == fast.moderate(t))
        }
        #expect(emb.embedded.withLock { $0 } == 0)
        #expect(unsure > 0 && unsure < texts.count, "the texts should exercise both answers")
        // Without a precise tier, nothing escalates.
        #expect(TieredClassifier(fast: fast, precise: nil, escalation: .always).escalation == .never)
    }

    @Test func uncertainBandIsRelativeToEachThreshold() throws {
        let fast = try #require(try? ContentClassifier.bundled())
        let tiers = TieredClassifier(fast: fast, precise: nil, escalation: .uncertain, lower: 0.5, upper: 1.5)
        let t = fast.thresholds[.hate]!
        var s = [Double](repeating: 0, count: 8)
        #expect(!tiers.isUncertain(s))
        s[ModerationCategory.hate.index] = t * 0.49
        #expect(!tiers.isUncertain(s))
        s[ModerationCategory.hate.index] = t * 0.5
        #expect(tiers.isUncertain(s))
        s[ModerationCategory.hate.index] = min(0.999, t * 1.51)
        #expect(!tiers.isUncertain(s) || t * 1.5 >= 1)
    }
}

@Suite("Precise tier: embedding windows of long texts")
struct EmbeddingWindowsTests {
    @Test func shortTextsAreOneWindowLongOnesAreCutAtSpaces() {
        #expect(EmbeddingWindows.split("short text") == ["short text"])
        let words = (0..<1200).map { "w\($0)" }.joined(separator: " ")   // about 6,500 characters
        let windows = EmbeddingWindows.split(words)
        #expect(windows[0] == words)
        #expect(windows.count == EmbeddingWindows.maxWindows)
        for w in windows.dropFirst() {
            #expect(w.unicodeScalars.count <= EmbeddingWindows.chars)
            #expect(w.split(separator: " ").allSatisfy { $0.hasPrefix("w") && Int($0.dropFirst()) != nil }, "a word was cut: \(w.prefix(20))")
        }
        // Consecutive windows continue each other: the words of windows 2… are in order, none twice.
        let later = windows.dropFirst().flatMap { $0.split(separator: " ") }.map { Int($0.dropFirst())! }
        #expect(later == Array(later.first!..<(later.first! + later.count)))
        #expect(EmbeddingWindows.split(words, maxWindows: 1) == [words])
        // A text without spaces is still cut, at the limit.
        #expect(EmbeddingWindows.split(String(repeating: "x", count: 1200)).count == 3)
    }

    /// The pooled encoder layers a model was trained on are in its header (nil: the last layer)
    /// and survive the file. (`loadPreciseClassifier` hands them to the encoder: the end-to-end
    /// tests load the shipped model, which names layers 3 and 6, with the real encoder.)
    @Test func theEncoderLayersSurviveTheModelFile() throws {
        let (_, _, precise) = try twoTrainedTiers()
        var header = precise.model.header
        #expect(header.encoderLayers == nil)
        header.encoderLayers = [3, 6]
        let (decoded, _) = try ModelFile.decode(ModelFile.encode(header: header, weights: precise.model.weights), path: "layers.bin")
        #expect(decoded.encoderLayers == [3, 6])
    }

    /// A violent sentence after 1,500 benign characters: with windows the precise tier's embedding
    /// expert sees it; with the first window only, it does not.
    @Test func aLateViolentSentenceIsSeenThroughTheWindows() throws {
        let (emb, _, precise) = try twoTrainedTiers()
        let padding = String(repeating: "picnic orchard festival museum bread weather ", count: 34)
        let text = padding + "machete strangle machete strangle"
        var header = precise.model.header
        header.embeddingWindows = 8
        let windowed = try PreciseClassifier(model: ContentClassifier(header: header, weights: precise.model.weights), encoder: emb)
        let v = ModerationCategory.violence.index
        let before = emb.embedded.withLock { $0 }
        let withWindows = windowed.scores([text])[0].categories[v]
        #expect(emb.embedded.withLock { $0 } - before == EmbeddingWindows.split(text).count)
        let firstOnly = precise.scores([text])[0].categories[v]
        #expect(withWindows > firstOnly + 0.05, "\(withWindows) vs \(firstOnly)")
        // A short text scores the same either way.
        #expect(windowed.scores(["machete strangle"])[0].categories == precise.scores(["machete strangle"])[0].categories)
        // The window size is the model's: 300-character windows give more of them, and the header
        // survives the file.
        header.embeddingWindowChars = 300
        let (decoded, weights) = try ModelFile.decode(ModelFile.encode(header: header, weights: precise.model.weights), path: "narrow.bin")
        let reloaded = try PreciseClassifier(model: ContentClassifier(header: decoded, weights: weights), encoder: emb)
        #expect(reloaded.embeddingWindowChars == 300)
        let start = emb.embedded.withLock { $0 }
        _ = reloaded.scores([text])
        #expect(emb.embedded.withLock { $0 } - start == EmbeddingWindows.split(text, chars: 300).count)
        #expect(EmbeddingWindows.split(text, chars: 300).count > EmbeddingWindows.split(text).count)
    }
}
