import Testing
import WardenCore
@testable import Classifier

/// The two-"layer" embedding of `twoLayerData`: layer 1 is half of layer 2.
private struct Doubled: SentenceEmbedding {
    let inner = TopicEmbedder()
    var dimension: Int { 8 }
    func embed(_ texts: [String], maxTokens: Int) -> [[Float]] { inner.embed(texts, maxTokens: maxTokens).map { $0.map { $0 * 0.5 } + $0 } }
}

/// The embedding expert as an ensemble of MLPs that read different pooled encoder layers (the
/// shipped precise design: one MLP over layers 3 and 6, one over layer 6 alone).
@Suite("Precise tier: MLP ensemble over encoder layers")
struct MLPEnsembleTests {
    @Test func layerListsParseAndMapToEmbeddingRanges() {
        #expect(TrainOptions.parseLayers("3,6") == [3, 6])
        #expect(TrainOptions.parseLayers("3, x") == nil && TrainOptions.parseLayers("") == nil)
        #expect(TrainOptions.parseMemberLayers("3+6,6") == [[3, 6], [6]])
        #expect(TrainOptions.parseMemberLayers("3+,6") == nil)
        let shipped = PreciseTraining.options(TrainOptions())
        #expect(shipped.encoderLayers == [3, 6] && shipped.mlpMembers == 2)
        #expect(shipped.mlpMemberInputs(dimension: 768) == [0..<768, 384..<768])
        var o = TrainOptions()
        o.mlpEnsemble = 3
        #expect(o.mlpMemberInputs(dimension: 384) == [0..<384, 0..<384, 0..<384])
        var seeded = shipped
        seeded.mlpEnsemble = 2   // two seeds per layer group (`--mlp-seeds 2`): four MLPs, the groups in order per seed
        #expect(seeded.mlpMembers == 4)
        #expect(seeded.mlpMemberInputs(dimension: 768) == [0..<768, 384..<768, 0..<768, 384..<768])
        #expect(shipped.mlpMemberLayersProblem == nil)
        var skipping = shipped
        skipping.encoderLayers = [2, 3, 6]
        skipping.mlpMemberLayers = [[2, 6]]   // not consecutive: an error, not a silent range
        #expect(skipping.mlpMemberLayersProblem != nil)
        skipping.mlpMemberLayers = [[4]]
        #expect(skipping.mlpMemberLayersProblem != nil)
        #expect(PreciseTraining.embeddingCachePath(layers: nil) == "var/cache/embeddings.bin")
        #expect(PreciseTraining.embeddingCachePath(layers: [3, 6]) == "var/cache/embeddings-layers-3-6.bin")
    }

    /// An MLP that reads layer 2 alone has exactly zero weights on layer 1's values, so the joined
    /// MLP's logits are the mean of an MLP over both layers and one over layer 2 alone.
    @Test func aMemberReadsOnlyItsLayers() throws {
        let (data, o) = twoLayerData()
        let model = Trainer.fit(data, options: o)
        let w = model.weights
        let D = 8, H = 6, KH = 12
        #expect(w.denseDim == D && w.hiddenUnits == KH)
        #expect(model.header.encoderLayers == [1, 2])
        for d in 0..<D {
            let first = (0..<H).map { w.dense[d * KH + $0] }, second = (0..<H).map { w.dense[d * KH + H + $0] }
            #expect(first.contains { $0 != 0 }, "member 0 reads value \(d)")
            #expect(d < 4 ? second.allSatisfy { $0 == 0 } : second.contains { $0 != 0 }, "member 1, value \(d): \(second)")
        }
        // It still scores: a violent text above a benign one on the precise path.
        let precise = try PreciseClassifier(model: model, encoder: Doubled())
        let v = ModerationCategory.violence.index
        let s = precise.scores(["he will stab and strangle them with a machete", "a picnic in the orchard after the museum"])
        #expect(s[0].categories[v] > s[1].categories[v])
    }

    /// Seeds per layer group: the first seed's MLPs are the single-seed model's, unchanged; the
    /// second seed's are new MLPs over the same layers, and the output layer averages all four.
    @Test func moreSeedsPerLayerGroupKeepTheFirstSeedsMembers() {
        let (data, base) = twoLayerData()
        var o = base
        let one = Trainer.fit(data, options: o).weights
        o.mlpEnsemble = 2
        let two = Trainer.fit(data, options: o).weights
        let D = 8, H = 6
        #expect(one.hiddenUnits == 2 * H && two.hiddenUnits == 4 * H)
        for d in 0..<D {
            let first = (0..<(2 * H)).map { one.dense[d * 2 * H + $0] }
            let again = (0..<(2 * H)).map { two.dense[d * 4 * H + $0] }
            let third = (0..<H).map { two.dense[d * 4 * H + 2 * H + $0] }
            #expect(first == again, "value \(d): the first seed's hidden weights")
            #expect(third != Array(first[0..<H]), "value \(d): the second seed's MLP over both layers is a new one")
            let fourth = (0..<H).map { two.dense[d * 4 * H + 3 * H + $0] }
            #expect(d < 4 ? fourth.allSatisfy { $0 == 0 } : fourth.contains { $0 != 0 }, "the second seed's layer-2 MLP reads only layer 2")
        }
    }

    /// Weight averaging: four snapshots per averaged epoch, none before; the result is their mean.
    @Test func weightAverageTakesFourSnapshotsPerAveragedEpochAndReturnsTheirMean() {
        var off = WeightAverage(epochs: 3, averagedEpochs: 0, rowsPerEpoch: 8)
        var average = WeightAverage(epochs: 3, averagedEpochs: 2, rowsPerEpoch: 8)
        var values: [Float] = []
        for epoch in 0..<3 {
            for step in 0..<8 {
                let w: [Float] = [Float(epoch * 8 + step), -1]
                w.withUnsafeBufferPointer { p in
                    off.observe(epoch: epoch, step: step, weights: p.baseAddress!, count: 2, bias: .init(repeating: 1))
                    average.observe(epoch: epoch, step: step, weights: p.baseAddress!, count: 2, bias: .init(repeating: Float(epoch)))
                }
                if epoch >= 1 && (step + 1) % 2 == 0 { values.append(w[0]) }
            }
        }
        #expect(off.result == nil)
        #expect(average.snapshots == 8 && values == [9, 11, 13, 15, 17, 19, 21, 23])
        let result = average.result!
        #expect(result.dense == [values.reduce(0, +) / 8, -1])
        #expect(result.bias == SIMD8<Float>(repeating: 1.5))
        // Fewer rows than snapshots: one per row.
        var small = WeightAverage(epochs: 1, averagedEpochs: 1, rowsPerEpoch: 3)
        for step in 0..<3 { [Float(step)].withUnsafeBufferPointer { small.observe(epoch: 0, step: step, weights: $0.baseAddress!, count: 1, bias: .zero) } }
        #expect(small.snapshots == 3 && small.result!.dense == [1])
    }

    /// An MLP trained with weight averaging differs from the last step's, each member keeps its
    /// own average when the members train side by side (the same weights as one after another),
    /// and it still ranks a violent text above a benign one.
    @Test func averagedMLPWeightsDifferFromTheLastStepsAndStillScore() throws {
        let (data, base) = twoLayerData()
        let plain = Trainer.fit(data, options: base)
        var o = base
        o.mlpAverageEpochs = 2
        let averaged = Trainer.fit(data, options: o)
        #expect(averaged.weights.dense.count == plain.weights.dense.count)
        #expect(averaged.weights.dense != plain.weights.dense)
        o.threads = 2
        #expect(Trainer.fit(data, options: o).weights.dense == averaged.weights.dense)
        // Out of range is refused, for both commands, by one check.
        o.mlpAverageEpochs = o.mlpEpochs + 1
        #expect(o.averagingProblem == "--mlp-average-epochs: from 0 up to the MLP's 3 epochs")
        o.mlpAverageEpochs = 2
        o.averageEpochs = -1
        #expect(o.averagingProblem == "--average-epochs: from 0 up to --epochs (8)")
        let precise = try PreciseClassifier(model: averaged, encoder: Doubled())
        let v = ModerationCategory.violence.index
        let s = precise.scores(["he will stab and strangle them with a machete", "a picnic in the orchard after the museum"])
        #expect(s[0].categories[v] > s[1].categories[v])
    }

    /// Synthetic rows with a two-"layer" embedding (layer 1 is half of layer 2) and small precise
    /// options with one MLP over both layers and one over layer 2 alone.
    private func twoLayerData() -> (FeaturizedData, TrainOptions) {
        let rows = syntheticRows()
        let emb = TopicEmbedder()
        var table = EmbeddingTable(dimension: 2 * emb.dimension)
        for (r, e) in zip(rows, emb.embed(rows.map(\.text), maxTokens: 128)) {
            table[TextKey(r.text)] = e.map { $0 * 0.5 } + e   // "layer 1" then "layer 2", as `Doubled`
        }
        let data = FeaturizedData(rows: rows, features: smallOptions().features, windowChars: 1000, windowStride: 750, threads: 1)
        data.attach(table)
        var o = preciseOptions()
        o.lateFusion = 0.65
        o.hiddenUnits = 6
        o.mlpEpochs = 3
        o.encoderLayers = [1, 2]
        o.mlpMemberLayers = [[1, 2], [2]]
        return (data, o)
    }
}
