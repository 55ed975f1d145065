import Foundation
import WardenCore

/// Options of one training run (a "design").
public struct TrainOptions: Sendable {
    public var name = "warden-fast-1"
    public var features = FeatureConfig()
    public var epochs = 3
    public var seed: UInt64 = 42
    /// AdaGrad base learning rate.
    public var learningRate: Float = 0.3
    /// L2 penalty, applied (masked, like the loss) on the weights a row touches.
    public var l2: Float = 1e-6
    /// Each (source, head)'s total weight is capped at this many rows' worth.
    public var sourceCap: Double = 1000
    /// Share of each head's total weight given to its positives (class balance).
    public var positiveShare: Double = 0.5
    /// Train the `any` head.
    public var trainAnyHead = true
    /// Any head: a row counts as a negative only if it labels at least this many categories
    /// (a row that only says "not hate" may still be harassment). 1 = every all-zero row.
    public var anyNegativeMinLabels = 2
    /// Blend of the any head into the categories (see `Calibrator`); 0 = off.
    public var anyBlend: Double = 0.8
    /// Categories whose any-head shift λ is not `anyBlend`, by head name (`Calibrator.headBlend`).
    public var anyBlendByHead: [String: Double] = [:]
    public var windowChars = 1000
    public var windowStride = 750
    /// Worker threads for featurization, leave-one-source-out folds, and an MLP ensemble's members
    /// (side by side when > 1; a leave-one-source-out fold trains its members one after another).
    public var threads = 2
    /// Precise tier: scale of the sentence-embedding inputs joined to the n-grams during training
    /// (0 = n-grams only, the fast tier). Folded into the weights afterwards.
    public var denseScale: Float = 0
    /// Train the n-gram weights (off: embedding alone, a reference design for the LOSO table).
    public var useNGrams = true
    /// Precise tier, late fusion: train the n-gram model and the embedding model apart and add their
    /// logits, weighted 1 − α and α (nil: one joint model over both feature sets).
    public var lateFusion: Float?
    /// Late fusion: hidden units of the embedding expert (0: a linear model over the embedding).
    public var hiddenUnits = 0
    /// The n-gram weights are the mean of snapshots over the last this many epochs (averaged SGD,
    /// `WeightAverage`; 0: the last step's weights). The dense weights of a joint model are not averaged.
    public var averageEpochs = 0
    public var mlpEpochs = 8
    /// Late fusion: the MLP's weights are the mean of snapshots over its last this many epochs
    /// (stochastic weight averaging, `WeightAverage`; 0: the last step's weights).
    public var mlpAverageEpochs = 0
    /// Late fusion: MLPs trained with different seeds whose logits are averaged (joined into one
    /// MLP of `mlpMembers × hiddenUnits` hidden units; 1: a single MLP). With `mlpMemberLayers`,
    /// the seeds per layer group: `[[3, 6], [6]]` with 2 trains four MLPs.
    public var mlpEnsemble = 1
    /// Late fusion: the pooled encoder layers each of the ensemble's MLPs reads, one MLP per entry
    /// (nil: `mlpEnsemble` MLPs over the whole embedding). With `encoderLayers` `[3, 6]`,
    /// `[[3, 6], [6]]` pairs an MLP over both layers with one over layer 6 alone.
    public var mlpMemberLayers: [[Int]]?
    /// Thresholds: the lowest whose dev F1 is within this of the best (0: the max-F1 threshold).
    public var thresholdF1Tolerance = 0.0
    /// Thresholds: the mean of the thresholds picked on this many bootstrap draws of the dev rows
    /// (0: picked on the dev rows themselves).
    public var thresholdBootstrap = 0
    /// Why the weight-averaging options cannot be used (nil: they can): each counts from 0 up to
    /// its model's epochs. Checked by `warden train` and `warden-bench` alike.
    public var averagingProblem: String? {
        if !(0...epochs).contains(averageEpochs) { return "--average-epochs: from 0 up to --epochs (\(epochs))" }
        if !(0...mlpEpochs).contains(mlpAverageEpochs) { return "--mlp-average-epochs: from 0 up to the MLP's \(mlpEpochs) epochs" }
        return nil
    }
    /// How many MLPs the embedding expert joins.
    public var mlpMembers: Int { (mlpMemberLayers?.count ?? 1) * max(1, mlpEnsemble) }

    /// "harassment=0.6,violence=0.6" → per-category λ (`--any-blend-by-head`); "none" → no
    /// category with its own λ; nil when a pair is malformed or fails `headBlendProblem`.
    public static func parseHeadBlends(_ text: String) -> [String: Double]? {
        if text.trimmingCharacters(in: .whitespaces) == "none" { return [:] }
        var out: [String: Double] = [:]
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let v = Double(kv[1]) else { return nil }
            out[kv[0]] = v
        }
        return out.isEmpty || headBlendProblem(out) != nil ? nil : out
    }

    /// Why these per-category λ cannot be used (nil: they can): each name must be a learned
    /// category and each λ from 0 to 1. Checked where λ come in: the command line and the model file.
    public static func headBlendProblem(_ blends: [String: Double]) -> String? {
        for (name, blend) in blends.sorted(by: { $0.key < $1.key }) {
            guard ModerationCategory(rawValue: name).flatMap(Head.init(category:)) != nil else { return "anyBlendByHead names \"\(name)\", not a learned category" }
            guard (0...1).contains(blend) else { return "anyBlendByHead λ \(blend) for \(name) is outside 0…1" }
        }
        return nil
    }

    /// "3,6" → `[3, 6]` (`--encoder-layers`); nil when a part is not a number.
    public static func parseLayers(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return parts.isEmpty || parts.contains(nil) ? nil : parts.compactMap { $0 }
    }

    /// "3+6,6" → `[[3, 6], [6]]` (`--mlp-member-layers`); nil when a part is not a number.
    public static func parseMemberLayers(_ text: String) -> [[Int]]? {
        let groups = text.split(separator: ",", omittingEmptySubsequences: false).map { parseLayers($0.replacingOccurrences(of: "+", with: ",")) }
        return groups.isEmpty || groups.contains(nil) ? nil : groups.compactMap { $0 }
    }

    /// The embedding values each MLP of the ensemble reads, for an embedding of `dimension`
    /// values made of `encoderLayers` (each a member's layers must be consecutive there).
    ///
    /// ```swift
    /// // encoderLayers [3, 6], mlpMemberLayers [[3, 6], [6]]:
    /// options.mlpMemberInputs(dimension: 768)   // [0..<768, 384..<768]
    /// // and mlpEnsemble 2 (two seeds per group):  [0..<768, 384..<768, 0..<768, 384..<768]
    /// ```
    public func mlpMemberInputs(dimension: Int) -> [Range<Int>] {
        guard let members = mlpMemberLayers else { return Array(repeating: 0..<dimension, count: mlpMembers) }
        precondition(mlpMemberLayersProblem == nil, mlpMemberLayersProblem ?? "")
        let layers = encoderLayers ?? []
        let per = layers.isEmpty ? dimension : dimension / layers.count
        let groups = members.map { member in
            let first = layers.firstIndex(of: member[0])!
            return (first * per)..<((first + member.count) * per)
        }
        return (0..<max(1, mlpEnsemble)).flatMap { _ in groups }
    }

    /// Why `mlpMemberLayers` cannot be read from `encoderLayers` (nil: it can): each member must
    /// name consecutive entries of the encoder layers.
    public var mlpMemberLayersProblem: String? {
        guard let members = mlpMemberLayers else { return nil }
        let layers = encoderLayers ?? []
        for member in members {
            let at = member.compactMap { layers.firstIndex(of: $0) }
            if at.count != member.count || at.isEmpty || at != Array(at[0]..<(at[0] + at.count)) {
                return "MLP member layers \(member) must be consecutive entries of the encoder layers \(layers)"
            }
        }
        return nil
    }
    public var mlpLearningRate: Float = 0.05
    /// The encoder the dense weights were trained on, and the word pieces it reads per text.
    public var encoderName = "all-MiniLM-L6-v2"
    public var encoderMaxTokens = 128
    /// The encoder layers whose mean-pooled states make the embedding (nil: the last layer only,
    /// sentence-transformers' embedding; `[3, 6]`: layer 3's joined before layer 6's).
    public var encoderLayers: [Int]?
    /// Embedding windows per text at scoring (`EmbeddingWindows`; 1: the text's first word pieces only).
    public var embeddingWindows = 1
    /// Weak negatives: a category a row's source does not annotate counts as a negative with this
    /// weight factor when every label the row has is 0 (0: masked, as unknown). Most text is not
    /// violent or sexual whatever its source studied; this gives every head negatives from every
    /// source's domain (offensive tweets are not sexual, insults are not violence).
    public var weakNegativeWeight = 0.0
    /// The heads weak negatives apply to (nil: every category head).
    public var weakNegativeHeads: Set<Head>?
    /// Self-training: a first model (the teacher, this design without self-training) scores the
    /// training rows, and a category a row's source does not annotate takes the teacher's confident
    /// verdict as its label, with this weight factor (0: off). Unlike weak negatives it reaches rows
    /// positive for another category (a hateful row is rarely sexual) and leaves out the rows the
    /// teacher finds suspect (an insult is often harassment whatever its source studied).
    public var pseudoLabelWeight = 0.0
    /// Self-training: the teacher's probability (trained class-balanced, so 0.5 is even odds)
    /// below which an unannotated category counts as a negative, and above which as a positive.
    public var pseudoNegativeBelow: Float = 0.5
    public var pseudoPositiveAbove: Float = 0.9
    /// Source intercepts: during training each (source, head) gets an intercept of its own,
    /// shrunk toward 0 by this L2 decay per row step, and dropped after training (nil: off).
    /// Sources differ in base rate (court testimony is mostly violent, a benign-prompt set all
    /// negative); a shared bias lets the weights learn "looks like this source" as evidence. With
    /// an intercept per source to absorb each source's rate, the weights learn what separates
    /// positives from negatives within sources, which is what a new source asks of them.
    /// On in both shipped models since session 10, together with `ThreatAugmentation`: alone it
    /// gains mostly by absorbing sources that are all positive for a head (Gab's and RTP's
    /// violence labels), which were the only teachers of explicit threats (the throat-cutting
    /// threat fell from 0.88 to 0.39 `violence`, session 9); with the project's threats and
    /// look-alikes, a source with both classes, threats stay learned. LOSO: precise 0.558 → 0.570,
    /// fast 0.495 → 0.511 (docs/precise.md, session 10).
    public var sourceInterceptDecay: Float? = 0.01
    /// Late fusion: the n-gram model trains with source intercepts too (off: only the embedding MLP).
    public var sourceInterceptsInNGrams = true
    /// The intercepts' learning rate as a multiple of the model's. A source's style is spread over
    /// many n-grams that all step on each of its rows; an intercept stepping at the same rate
    /// absorbs only part of the source's base rate before the n-grams take the rest.
    public var sourceInterceptRate: Float = 10
    /// Which (source, head) pairs get an intercept.
    public var sourceInterceptPairs = SourceIntercepts.Pairs.all
    /// Heads trained without intercepts (their slots use the shared bias alone).
    public var sourceInterceptsExemptHeads: Set<Head> = []
    /// Sources trained without an intercept: the project's sentences (benign identity sentences,
    /// threats and look-alikes) exist to push their terms down (or up) in every head, which an
    /// intercept of their own would absorb.
    public var sourceInterceptsExempt: Set<String> = ProjectRows.sourceNames

    public init() {}
}

/// Rows turned into sparse vectors once, reused by every fold: a training vector of the whole text
/// and the window vectors used for scoring (the same windows `ContentClassifier` scores).
public final class FeaturizedData: @unchecked Sendable {
    public let rows: [LabeledRow]
    public let sources: [String]
    public let sourceOf: [Int]
    var indices: [UInt32] = []
    var values: [Float] = []
    /// Stable copies of indices/values (never mutated after init).
    let idxPtr: UnsafeMutablePointer<UInt32>
    let valPtr: UnsafeMutablePointer<Float>
    /// (start, count) into indices/values.
    var segments: [(Int, Int)] = []
    var trainSegment: [Int] = []
    var evalSegments: [Range<Int>] = []
    /// Sentence embeddings per row, `denseDim` floats each (zeros where `hasDense` is false).
    public private(set) var denseDim = 0
    private(set) var dense: [Float] = []
    public private(set) var hasDense: [Bool] = []
    /// Embeddings of a long row's later windows (`EmbeddingWindows`), used when scoring it.
    private(set) var windowDense: [Int: [[Float]]] = [:]

    public init(rows: [LabeledRow], features: FeatureConfig, windowChars: Int, windowStride: Int, threads: Int = 2) {
        self.rows = rows
        var srcIndex: [String: Int] = [:]
        var srcs: [String] = []
        var of: [Int] = []
        for r in rows {
            if let i = srcIndex[r.source] { of.append(i) } else {
                srcIndex[r.source] = srcs.count; of.append(srcs.count); srcs.append(r.source)
            }
        }
        self.sources = srcs
        self.sourceOf = of
        let hasher = FeatureHasher(config: features)
        struct Chunk { var idx: [UInt32] = []; var val: [Float] = []; var segs: [(Int, Int)] = []; var train: [Int] = []; var eval: [Range<Int>] = [] }
        let nChunks = max(1, min(64, rows.count / 500 + 1))
        let per = (rows.count + nChunks - 1) / nChunks
        let results = LockedBox([Chunk?](repeating: nil, count: nChunks))
        let queue = DispatchQueue(label: "featurize", attributes: .concurrent)
        let group = DispatchGroup()
        let sem = DispatchSemaphore(value: max(1, threads))
        for c in 0..<nChunks {
            sem.wait()
            queue.async(group: group) {
                defer { sem.signal() }
                var ch = Chunk()
                let lo = c * per, hi = min(rows.count, lo + per)
                if lo < hi {
                    for r in lo..<hi {
                        let norm = TextNormalizer.normalize(rows[r].text)
                        func push(_ v: SparseVector) -> Int {
                            ch.segs.append((ch.idx.count, v.count))
                            ch.idx += v.indices
                            ch.val += v.values
                            return ch.segs.count - 1
                        }
                        let wins = ContentClassifier.windows(norm, chars: windowChars, stride: windowStride)
                        if wins.count == 1 {
                            let s = push(hasher.features(of: norm, tokens: wins[0]))
                            ch.train.append(s)
                            ch.eval.append(s..<(s + 1))
                        } else {
                            // Training vector: the first `2 × windowChars` characters (long user
                            // histories would otherwise dominate training time).
                            var end = 0
                            let limit = 2 * windowChars
                            while end < norm.tokens.count, norm.tokens[end].upperBound <= limit { end += 1 }
                            let s = push(hasher.features(of: norm, tokens: 0..<max(1, end)))
                            ch.train.append(s)
                            let first = ch.segs.count
                            for w in wins { _ = push(hasher.features(of: norm, tokens: w)) }
                            ch.eval.append(first..<ch.segs.count)
                        }
                    }
                }
                results.withLock { $0[c] = ch }
            }
        }
        group.wait()
        for ch in results.withLock({ $0 }) {
            guard let ch else { continue }
            let segBase = segments.count, idxBase = indices.count
            indices += ch.idx
            values += ch.val
            segments += ch.segs.map { ($0.0 + idxBase, $0.1) }
            trainSegment += ch.train.map { $0 + segBase }
            evalSegments += ch.eval.map { ($0.lowerBound + segBase)..<($0.upperBound + segBase) }
        }
        idxPtr = .allocate(capacity: max(1, indices.count))
        valPtr = .allocate(capacity: max(1, values.count))
        indices.withUnsafeBufferPointer { idxPtr.initialize(from: $0.baseAddress!, count: $0.count) }
        values.withUnsafeBufferPointer { valPtr.initialize(from: $0.baseAddress!, count: $0.count) }
        indices = []
        values = []
    }

    deinit {
        idxPtr.deallocate()
        valPtr.deallocate()
    }

    /// Attaches the embeddings `table` has for the rows; returns how many rows got one.
    @discardableResult
    public func attach(_ table: EmbeddingTable) -> Int {
        denseDim = table.dimension
        dense = [Float](repeating: 0, count: rows.count * denseDim)
        hasDense = [Bool](repeating: false, count: rows.count)
        var n = 0
        for (r, row) in rows.enumerated() {
            guard let e = table[TextKey(row.text)] else { continue }
            dense.replaceSubrange((r * denseDim)..<((r + 1) * denseDim), with: e)
            hasDense[r] = true
            n += 1
        }
        return n
    }

    /// Attaches the embeddings of each long row's later windows (up to `maxWindows` in all) that
    /// `table` has; returns how many rows got them.
    @discardableResult
    public func attachWindows(_ table: EmbeddingTable, maxWindows: Int) -> Int {
        windowDense = [:]
        guard maxWindows > 1 else { return 0 }
        for (r, row) in rows.enumerated() where hasDense[r] && row.text.unicodeScalars.count > EmbeddingWindows.chars {
            let extra = EmbeddingWindows.split(row.text, maxWindows: maxWindows).dropFirst().compactMap { table[TextKey($0)] }
            if !extra.isEmpty { windowDense[r] = extra }
        }
        return windowDense.count
    }

    /// Calls `body` with row `r`'s embedding.
    @inline(__always) public func withDense<T>(_ r: Int, _ body: (UnsafePointer<Float>) -> T) -> T {
        dense.withUnsafeBufferPointer { body($0.baseAddress! + r * denseDim) }
    }

    /// Total stored feature entries.
    public var entryCount: Int { segments.last.map { $0.0 + $0.1 } ?? 0 }

    @inline(__always) func vector(_ seg: Int) -> (UnsafePointer<UInt32>, UnsafePointer<Float>, Int) {
        let (s, n) = segments[seg]
        return (UnsafePointer(idxPtr + s), UnsafePointer(valPtr + s), n)
    }
}

final class LockedBox<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ v: T) { value = v }
    func withLock<R>(_ f: (inout T) -> R) -> R { lock.lock(); defer { lock.unlock() }; return f(&value) }
}

/// Per-head evaluation figures.
public struct HeadReport: Sendable {
    public var name: String
    public var positives: Int
    public var negatives: Int
    public var auprc: Double?
    public var threshold: Double
    public var precision: Double
    public var recall: Double
}

/// Self-training's labels: the teacher's probability per row and slot (see `TrainOptions.pseudoLabelWeight`).
struct PseudoLabels {
    let probabilities: [SIMD8<Float>]
    let weight: Double
    let negativeBelow: Float
    let positiveAbove: Float

    /// The label of unannotated category `h` of row `r` and its weight factor (-1: still unknown).
    func label(_ r: Int, _ h: Int) -> (y: Int8, factor: Double) {
        let p = probabilities[r][h]
        if p < negativeBelow { return (0, weight) }
        if p > positiveAbove { return (1, weight) }
        return (-1, 0)
    }
}

public enum Trainer {
    /// Trains the heads on the rows selected by `include` (row index → true), with a masked,
    /// source-balanced, class-weighted logistic loss, by AdaGrad. Deterministic for a seed.
    public static func train(_ data: FeaturizedData, options: TrainOptions, include: (Int) -> Bool,
                             progress: ((Int, Int) -> Void)? = nil) -> LinearWeights {
        guard options.pseudoLabelWeight > 0 else { return train(data, options: options, include: include, pseudo: nil, progress: progress) }
        var teacherOptions = options
        teacherOptions.pseudoLabelWeight = 0
        let teacher = train(data, options: teacherOptions, include: include, pseudo: nil, progress: progress)
        let pseudo = pseudoLabels(data, teacher: teacher, options: options, include: include)
        return train(data, options: options, include: include, pseudo: pseudo, progress: progress)
    }

    /// The teacher's probabilities on the included rows, as self-training's labels.
    static func pseudoLabels(_ data: FeaturizedData, teacher: LinearWeights, options: TrainOptions,
                             include: (Int) -> Bool) -> PseudoLabels {
        var probabilities = [SIMD8<Float>](repeating: .zero, count: data.rows.count)
        for r in data.rows.indices where include(r) {
            let z = evalLogits(data, teacher, row: r)
            for h in 0..<headSlots { probabilities[r][h] = 1 / (1 + expf(-z[h])) }
        }
        return PseudoLabels(probabilities: probabilities, weight: options.pseudoLabelWeight,
                            negativeBelow: options.pseudoNegativeBelow, positiveAbove: options.pseudoPositiveAbove)
    }

    static func train(_ data: FeaturizedData, options: TrainOptions, include: (Int) -> Bool, pseudo: PseudoLabels?,
                      progress: ((Int, Int) -> Void)?) -> LinearWeights {
        if let alpha = options.lateFusion, options.denseScale > 0, data.denseDim > 0 {
            return lateFusion(data, options: options, alpha: alpha, include: include, pseudo: pseudo, progress: progress)
        }
        let buckets = 1 << options.features.bucketsLog2
        var weights = LinearWeights(buckets: buckets)
        let useDense = options.denseScale > 0 && data.denseDim > 0
        if useDense { weights.addDense(dim: data.denseDim) }
        let rowIDs = data.rows.indices.filter { include($0) && (!useDense || data.hasDense[$0]) }
        guard !rowIDs.isEmpty else { return weights }

        let (targets, sampleW) = rowTargets(data, options: options, rows: rowIDs, pseudo: pseudo)

        var accum = [Float](repeating: 0, count: weights.storage.count)
        var denseAccum = [Float](repeating: 0, count: weights.dense.count)
        var denseW = weights.dense
        let scale = options.denseScale
        var rng = SplitMix64(seed: options.seed)
        var order = Array(0..<rowIDs.count)
        let lr = options.learningRate
        let l2 = options.l2
        let eps: Float = 1e-8
        var intercepts = SourceIntercepts(data, options: options, rows: rowIDs, targets: targets, weights: sampleW, learningRate: lr)
        var average = WeightAverage(epochs: options.epochs, averagedEpochs: options.averageEpochs, rowsPerEpoch: rowIDs.count)
        for epoch in 0..<options.epochs {
            order.shuffle(using: &rng)
            weights.storage.withUnsafeMutableBufferPointer { wBuf in
                accum.withUnsafeMutableBufferPointer { gBuf in
                    let wRaw = UnsafeMutableRawPointer(wBuf.baseAddress!)
                    let gRaw = UnsafeMutableRawPointer(gBuf.baseAddress!)
                    let biasOff = buckets * headSlots * 4
                    for (step, k) in order.enumerated() {
                        defer { average.observe(epoch: epoch, step: step, weights: UnsafePointer(wBuf.baseAddress!), count: wBuf.count, bias: .zero) }
                        let r = rowIDs[k]
                        let sw = sampleW[k]
                        let (idx, val, nAll) = data.vector(data.trainSegment[r])
                        let n = options.useNGrams ? nAll : 0
                        var z = wRaw.loadUnaligned(fromByteOffset: biasOff, as: SIMD8<Float>.self)
                            + intercepts.value(data.sourceOf[r])
                        for f in 0..<n {
                            z += val[f] * wRaw.loadUnaligned(fromByteOffset: Int(idx[f]) &* 32, as: SIMD8<Float>.self)
                        }
                        if useDense {
                            data.withDense(r) { e in
                                denseW.withUnsafeBufferPointer { dw in
                                    let raw = UnsafeRawPointer(dw.baseAddress!)
                                    for d in 0..<data.denseDim {
                                        z += (scale * e[d]) * raw.loadUnaligned(fromByteOffset: d &* 32, as: SIMD8<Float>.self)
                                    }
                                }
                            }
                        }
                        var p = SIMD8<Float>()
                        for h in 0..<headSlots { p[h] = 1 / (1 + expf(-z[h])) }
                        let g = sw * (p - targets[k])
                        let mask = SIMD8<Float>(repeating: 1).replacing(with: 0, where: sw .== 0)
                        intercepts.step(data.sourceOf[r], gradient: g, mask: mask)
                        if useDense {
                            Self.denseStep(data, row: r, scale: scale, g: g, mask: mask, lr: lr, l2: l2,
                                           weights: &denseW, accum: &denseAccum)
                        }
                        for f in 0..<n {
                            let off = Int(idx[f]) &* 32
                            let w = wRaw.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
                            let grad = g * val[f] + (l2 * mask) * w
                            var acc = gRaw.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
                            acc += grad * grad
                            gRaw.storeBytes(of: acc, toByteOffset: off, as: SIMD8<Float>.self)
                            let step = lr * grad / (acc.squareRoot() + eps)
                            wRaw.storeBytes(of: w - step, toByteOffset: off, as: SIMD8<Float>.self)
                        }
                        // bias
                        var accB = gRaw.loadUnaligned(fromByteOffset: biasOff, as: SIMD8<Float>.self)
                        accB += g * g
                        gRaw.storeBytes(of: accB, toByteOffset: biasOff, as: SIMD8<Float>.self)
                        let b = wRaw.loadUnaligned(fromByteOffset: biasOff, as: SIMD8<Float>.self)
                        wRaw.storeBytes(of: b - lr * g / (accB.squareRoot() + eps), toByteOffset: biasOff, as: SIMD8<Float>.self)
                    }
                }
            }
            progress?(epoch + 1, options.epochs)
        }
        if let averaged = average.result { weights.storage = averaged.dense }
        // Fold the input scale into the dense weights: scoring uses the embedding as it is.
        weights.dense = denseW.map { $0 * scale }
        return weights
    }

    /// Targets and per-slot sample weights of `rows` (weight 0 = masked): each (source, head) counts
    /// for at most `sourceCap` rows, then each head's positives and negatives get equal total weight.
    static func rowTargets(_ data: FeaturizedData, options: TrainOptions, rows rowIDs: [Int], pseudo: PseudoLabels? = nil)
        -> (targets: [SIMD8<Float>], weights: [SIMD8<Float>]) {
        let nSrc = data.sources.count
        var counts = [Double](repeating: 0, count: nSrc * headSlots * 2)
        let weak = options.weakNegativeWeight
        let weakHeads = (0..<headSlots).map { h in
            options.weakNegativeHeads.map { heads in Head(rawValue: h).map(heads.contains) ?? false } ?? true
        }
        /// The label of (r, h) and its weight factor: 1 for a source's own label, `weak` for an
        /// unknown category of a row whose known labels are all 0 (see `weakNegativeWeight`), or
        /// the teacher's verdict on an unknown category when self-training.
        func label(_ r: Int, _ h: Int) -> (y: Int8, factor: Double) {
            let row = data.rows[r]
            let y = row.labels[h]
            if h == Head.any.rawValue {
                if !options.trainAnyHead { return (-1, 0) }
                if y == 0 && row.labeledCategories < options.anyNegativeMinLabels { return (-1, 0) }
                return (y, 1)
            }
            if y < 0, let pseudo { return pseudo.label(r, h) }
            if y < 0, weak > 0, row.labels[Head.any.rawValue] == 0, weakHeads[h] { return (0, weak) }
            return (y, 1)
        }
        for r in rowIDs {
            let s = data.sourceOf[r]
            for h in 0..<headSlots {
                let (y, factor) = label(r, h)
                if y >= 0 { counts[(s * headSlots + h) * 2 + Int(y)] += factor }
            }
        }
        var alpha = [Double](repeating: 0, count: nSrc * headSlots)
        var beta = [Double](repeating: 0, count: headSlots * 2)
        for h in 0..<headSlots {
            var P = 0.0, N = 0.0
            for s in 0..<nSrc {
                let n = counts[(s * headSlots + h) * 2] + counts[(s * headSlots + h) * 2 + 1]
                guard n > 0 else { continue }
                let a = min(1, options.sourceCap / n)
                alpha[s * headSlots + h] = a
                N += a * counts[(s * headSlots + h) * 2]
                P += a * counts[(s * headSlots + h) * 2 + 1]
            }
            if P > 0, N > 0 {
                beta[h * 2 + 1] = options.positiveShare * (P + N) / P
                beta[h * 2] = (1 - options.positiveShare) * (P + N) / N
            } else {
                beta[h * 2] = 1; beta[h * 2 + 1] = 1
            }
        }
        // Targets and sample weights per row as SIMD8 (weight 0 = masked).
        var targets = [SIMD8<Float>](repeating: .zero, count: rowIDs.count)
        var sampleW = [SIMD8<Float>](repeating: .zero, count: rowIDs.count)
        for (k, r) in rowIDs.enumerated() {
            let s = data.sourceOf[r]
            for h in 0..<headSlots {
                let (y, factor) = label(r, h)
                guard y >= 0 else { continue }
                targets[k][h] = Float(y)
                sampleW[k][h] = Float(alpha[s * headSlots + h] * beta[h * 2 + Int(y)] * factor)
            }
        }
        return (targets, sampleW)
    }

    /// Trains the n-gram model (on every included row) and the embedding model (on the included rows
    /// with an embedding) apart, then merges them into one set of weights whose logits are
    /// (1 − α)·n-gram logits + α·embedding logits.
    static func lateFusion(_ data: FeaturizedData, options: TrainOptions, alpha: Float, include: (Int) -> Bool,
                           pseudo: PseudoLabels?, progress: ((Int, Int) -> Void)?) -> LinearWeights {
        var ngramOptions = options, embeddingOptions = options
        ngramOptions.lateFusion = nil
        ngramOptions.denseScale = 0
        if !options.sourceInterceptsInNGrams { ngramOptions.sourceInterceptDecay = nil }
        embeddingOptions.lateFusion = nil
        embeddingOptions.useNGrams = false
        let ngrams = train(data, options: ngramOptions, include: include, pseudo: pseudo, progress: progress)
        var merged = ngrams
        for i in 0..<merged.storage.count { merged.storage[i] *= 1 - alpha }
        merged.denseDim = data.denseDim
        let biasAt = merged.buckets * headSlots
        if options.hiddenUnits > 0 {
            let rows = data.rows.indices.filter { include($0) && data.hasDense[$0] }
            let (targets, weights) = rowTargets(data, options: options, rows: rows, pseudo: pseudo)
            let (dense, bias) = EmbeddingMLP.trainEnsemble(data, options: options, rows: rows, targets: targets, weights: weights, progress: progress)
            // Only the output layer is scaled by α: the hidden layer is shared by all slots.
            let hidden = options.hiddenUnits * options.mlpMembers
            let outputAt = data.denseDim * hidden + hidden
            merged.hiddenUnits = hidden
            merged.dense = dense.enumerated().map { $0.offset >= outputAt ? alpha * $0.element : $0.element }
            for s in 0..<headSlots { merged.storage[biasAt + s] += alpha * bias[s] }
            return merged
        }
        let embedding = train(data, options: embeddingOptions, include: include, pseudo: pseudo, progress: progress)
        for i in 0..<merged.storage.count { merged.storage[i] += alpha * embedding.storage[i] }
        merged.dense = embedding.dense.map { alpha * $0 }
        return merged
    }

    /// One AdaGrad step of the dense part for row `r` (gradient `g` per slot).
    @inline(__always)
    static func denseStep(_ data: FeaturizedData, row r: Int, scale: Float, g: SIMD8<Float>, mask: SIMD8<Float>,
                          lr: Float, l2: Float, weights: inout [Float], accum: inout [Float]) {
        data.withDense(r) { e in
            weights.withUnsafeMutableBytes { wRaw in
                accum.withUnsafeMutableBytes { gRaw in
                    for d in 0..<data.denseDim {
                        let off = d &* 32
                        let w = wRaw.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
                        let grad = g * (scale * e[d]) + (l2 * mask) * w
                        var acc = gRaw.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
                        acc += grad * grad
                        gRaw.storeBytes(of: acc, toByteOffset: off, as: SIMD8<Float>.self)
                        wRaw.storeBytes(of: w - lr * grad / (acc.squareRoot() + 1e-8), toByteOffset: off, as: SIMD8<Float>.self)
                    }
                }
            }
        }
    }

    /// Raw logits of row `r`: the n-gram part's maximum over windows plus the dense part's.
    static func evalLogits(_ data: FeaturizedData, _ w: LinearWeights, row r: Int) -> SIMD8<Float> {
        ngramLogits(data, w, row: r) + denseLogits(data, w, row: r)
    }

    /// The n-gram part's logits for row `r`: the maximum over its scoring windows (bias included).
    static func ngramLogits(_ data: FeaturizedData, _ w: LinearWeights, row r: Int) -> SIMD8<Float> {
        var best = SIMD8<Float>(repeating: -.infinity)
        for seg in data.evalSegments[r] {
            let (idx, val, n) = data.vector(seg)
            best = pointwiseMax(best, w.logits(indices: idx, values: val, count: n))
        }
        return best
    }

    /// The dense part's logits for row `r`: the maximum over its embedding windows (zero without one).
    static func denseLogits(_ data: FeaturizedData, _ w: LinearWeights, row r: Int) -> SIMD8<Float> {
        maximum(denseWindowLogits(data, w, row: r))
    }

    /// The slot-wise maximum of `logits` (zero for none).
    static func maximum(_ logits: [SIMD8<Float>]) -> SIMD8<Float> {
        logits.dropFirst().reduce(logits.first ?? .zero) { pointwiseMax($0, $1) }
    }

    /// The dense part's logits for each of row `r`'s embedding windows, first window first (none
    /// without an embedding).
    static func denseWindowLogits(_ data: FeaturizedData, _ w: LinearWeights, row r: Int) -> [SIMD8<Float>] {
        guard w.denseDim > 0, data.hasDense[r] else { return [] }
        return [data.withDense(r) { w.denseLogits($0) }] + (data.windowDense[r] ?? []).map { w.denseLogits($0) }
    }

    /// Fits the calibration (see `Calibrator`: `options.anyBlend`, `options.anyBlendByHead`) on
    /// `rows` and picks thresholds (`options.thresholdF1Tolerance`, `options.thresholdBootstrap`),
    /// or none with `thresholds: false` (a leave-one-source-out fold needs scores only).
    ///
    /// ```swift
    /// let (calibrator, thresholds) = Trainer.calibrate(data, weights: w, rows: dev, options: options)
    /// ```
    public static func calibrate(_ data: FeaturizedData, weights: LinearWeights, rows: [Int], options: TrainOptions,
                                 thresholds: Bool = true) -> (calibrator: Calibrator, thresholds: [String: Double]) {
        let logits = rows.map { evalLogits(data, weights, row: $0) }
        var p1 = [Platt](repeating: Platt(), count: headSlots)
        var p2 = [Platt](repeating: Platt(), count: headSlots)
        for head in Head.allCases {
            var z: [Float] = [], y: [Bool] = []
            for (k, r) in rows.enumerated() where data.rows[r].labels[head.rawValue] >= 0 {
                z.append(logits[k][head.rawValue]); y.append(data.rows[r].labels[head.rawValue] == 1)
            }
            p1[head.rawValue] = Metrics.fitPlatt(logits: z, labels: y)
        }
        var cal = Calibrator(stage1: p1, anyBlend: options.anyBlend, headBlend: options.anyBlendByHead)
        if cal.blendsAnyHead {
            for head in Head.allCases where head != .any && cal.headBlend[head.rawValue] > 0 {
                var u: [Float] = [], y: [Bool] = []
                for (k, r) in rows.enumerated() where data.rows[r].labels[head.rawValue] >= 0 {
                    u.append(Float(cal.blendedLogit(logits[k], head.rawValue))); y.append(data.rows[r].labels[head.rawValue] == 1)
                }
                p2[head.rawValue] = Metrics.fitPlatt(logits: u, labels: y)
            }
            cal = Calibrator(stage1: p1, anyBlend: options.anyBlend, headBlend: options.anyBlendByHead, stage2: p2)
        }
        var thr: [String: Double] = [:]
        guard thresholds else { return (cal, thr) }
        for head in Head.allCases {
            guard let c = head.category else { continue }
            var s: [Double] = [], y: [Bool] = []
            for (k, r) in rows.enumerated() where data.rows[r].labels[head.rawValue] >= 0 {
                s.append(cal.probability(logits[k], head.rawValue)); y.append(data.rows[r].labels[head.rawValue] == 1)
            }
            thr[c.rawValue] = Metrics.maxF1Threshold(scores: s, labels: y, tolerance: options.thresholdF1Tolerance,
                                                     bootstrap: options.thresholdBootstrap)
        }
        // Rule categories: flag at a fraction of the parent's threshold (see docs/classifier.md).
        thr[ModerationCategory.sexualMinors.rawValue] = (thr["sexual"] ?? 0.5) * 0.5
        thr[ModerationCategory.violenceGraphic.rawValue] = (thr["violence"] ?? 0.5) * 0.6
        return (cal, thr)
    }

    /// Calibrated scores of the 6 learned heads (slot order) and the any head, from precomputed features.
    static func scoreRow(_ data: FeaturizedData, _ w: LinearWeights, _ cal: Calibrator, row r: Int) -> (cats: [Double], any: Double) {
        let z = evalLogits(data, w, row: r)
        var cats: [Double] = []
        for head in Head.allCases where head != .any { cats.append(cal.probability(z, head.rawValue)) }
        return (cats, cal.probability(z, Head.any.rawValue))
    }

    /// Full training run: train on `split == train`, calibrate and choose thresholds on dev.
    /// `include` limits the rows used (the precise tier's sample); with embeddings in the design,
    /// rows without one are left out.
    public static func fit(_ data: FeaturizedData, options: TrainOptions, include: (Int) -> Bool = { _ in true },
                           progress: ((Int, Int) -> Void)? = nil) -> ContentClassifier {
        var w = train(data, options: options, include: { !data.rows[$0].isDev && include($0) }, progress: progress)
        w.roundToHalf()
        let dense = w.denseDim > 0
        let dev = data.rows.indices.filter { data.rows[$0].isDev && include($0) && (!dense || data.hasDense[$0]) }
        let (cal, thr) = calibrate(data, weights: w, rows: dev, options: options)
        var calib: [String: Platt] = [:], final: [String: Platt] = [:]
        for h in Head.allCases { calib[h.name] = cal.stage1[h.rawValue]; final[h.name] = cal.stage2[h.rawValue] }
        var header = ModelHeader(
            name: options.name, features: options.features, calibration: calib, thresholds: thr,
            windowChars: options.windowChars, windowStride: options.windowStride,
            training: [
                "seed": String(options.seed), "epochs": String(options.epochs),
                "learningRate": String(options.learningRate), "l2": String(options.l2),
                "sourceCap": String(options.sourceCap), "positiveShare": String(options.positiveShare),
                "sources": data.sources.joined(separator: ","),
                "trainRows": String(data.rows.indices.filter { !data.rows[$0].isDev && include($0) && (!dense || data.hasDense[$0]) }.count), "devRows": String(dev.count),
                "loss": "masked logistic, AdaGrad",
            ])
        if cal.blendsAnyHead { header.anyBlend = options.anyBlend; header.finalCalibration = final }
        if !options.anyBlendByHead.isEmpty { header.anyBlendByHead = options.anyBlendByHead }
        if let d = options.sourceInterceptDecay { header.training["sourceIntercepts"] = "decay \(d), rate × \(options.sourceInterceptRate)" }
        if options.averageEpochs > 0 { header.training["averageEpochs"] = String(options.averageEpochs) }
        if dense && options.mlpAverageEpochs > 0 { header.training["mlpAverageEpochs"] = String(options.mlpAverageEpochs) }
        if dense {
            header.encoder = options.encoderName
            header.denseDim = w.denseDim
            header.encoderMaxTokens = options.encoderMaxTokens
            header.encoderLayers = options.encoderLayers
            if options.embeddingWindows > 1 {
                header.embeddingWindows = options.embeddingWindows
                header.embeddingWindowChars = EmbeddingWindows.chars
            }
            if w.hiddenUnits > 0 { header.hiddenUnits = w.hiddenUnits }
            if let alpha = options.lateFusion { header.training["lateFusion"] = String(alpha) }
            header.training["denseScale"] = String(options.denseScale)
        }
        return ContentClassifier(header: header, weights: w)
    }

    /// Per-category and any-category metrics of `classifier` on `rows` (scored through the real
    /// `ContentClassifier.scores` path, windows and rules included).
    public static func evaluate(_ classifier: ContentClassifier, rows: [LabeledRow],
                                scored given: [(categories: [Double], any: Double)]? = nil) -> [HeadReport] {
        let scored = given ?? rows.map { classifier.scores($0.text) }
        var out: [HeadReport] = []
        let thr = classifier.thresholds
        for cat in ModerationCategory.allCases {
            guard let head = Head(category: cat) else {
                out.append(HeadReport(name: cat.rawValue, positives: 0, negatives: 0, auprc: nil,
                                      threshold: thr[cat] ?? 0.5, precision: 0, recall: 0))
                continue
            }
            var s: [Double] = [], y: [Bool] = []
            for (k, r) in rows.enumerated() where r.labels[head.rawValue] >= 0 {
                s.append(scored[k].categories[cat.index]); y.append(r.labels[head.rawValue] == 1)
            }
            let t = thr[cat] ?? 0.5
            let m = Metrics.at(threshold: t, scores: s, labels: y)
            out.append(HeadReport(name: cat.rawValue, positives: y.filter { $0 }.count, negatives: y.filter { !$0 }.count,
                                  auprc: Metrics.auprc(scores: s, labels: y), threshold: t, precision: m.precision, recall: m.recall))
        }
        // any category: max category score vs any label; flagged = any category flagged.
        var s: [Double] = [], y: [Bool] = [], flagged: [Double] = [], sa: [Double] = []
        for (k, r) in rows.enumerated() where r.labels[Head.any.rawValue] >= 0 {
            let c = scored[k].categories
            s.append(c.max() ?? 0)
            sa.append(scored[k].any)
            y.append(r.labels[Head.any.rawValue] == 1)
            var f = false
            for cat in ModerationCategory.allCases where c[cat.index] >= (thr[cat] ?? 0.5) { f = true }
            flagged.append(f ? 1 : 0)
        }
        let m = Metrics.at(threshold: 0.5, scores: flagged, labels: y)
        out.append(HeadReport(name: "any category (max)", positives: y.filter { $0 }.count, negatives: y.filter { !$0 }.count,
                              auprc: Metrics.auprc(scores: s, labels: y), threshold: .nan, precision: m.precision, recall: m.recall))
        out.append(HeadReport(name: "any head", positives: y.filter { $0 }.count, negatives: y.filter { !$0 }.count,
                              auprc: Metrics.auprc(scores: sa, labels: y), threshold: .nan, precision: .nan, recall: .nan))
        return out
    }
}

extension SourceIntercepts {
    /// The intercepts `options` asks for over `rows` (with their targets and weights), stepping at
    /// `options.sourceInterceptRate` × `learningRate`.
    init(_ data: FeaturizedData, options: TrainOptions, rows: [Int], targets: [SIMD8<Float>], weights: [SIMD8<Float>], learningRate: Float) {
        var active = Self.activeSlots(options.sourceInterceptPairs, sources: data.sources.count,
                                      sourceOf: rows.map { data.sourceOf[$0] }, targets: targets, weights: weights)
        // Only the categories a source annotates: a weak negative or a teacher's verdict on a
        // category the source never labels must teach the weights, not a source's intercept.
        var annotated = [SIMD8<Float>](repeating: .zero, count: data.sources.count)
        for r in rows {
            for h in 0..<Head.any.rawValue where data.rows[r].labels[h] >= 0 { annotated[data.sourceOf[r]][h] = 1 }
        }
        for s in active.indices { for h in 0..<Head.any.rawValue { active[s][h] *= annotated[s][h] } }
        for (s, name) in data.sources.enumerated() where options.sourceInterceptsExempt.contains(name) { active[s] = .zero }
        for h in options.sourceInterceptsExemptHeads { for s in active.indices { active[s][h.rawValue] = 0 } }
        self.init(sources: data.sources.count, decay: options.sourceInterceptDecay,
                  learningRate: learningRate * options.sourceInterceptRate, active: active)
    }
}
