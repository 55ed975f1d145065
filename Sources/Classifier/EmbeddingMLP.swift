import Foundation
import WardenCore

/// The precise tier's embedding expert as a small MLP: h = ReLU(W1ᵀe + b1), z = W2ᵀh + b, trained
/// with the same masked, source-balanced, class-balanced logistic loss as the linear heads.
///
/// Layout of the weights in `LinearWeights.dense` (hidden H, input D): W1 as D rows of H, then b1
/// (H), then W2 as H rows of 8 slots. The output bias is the model's shared bias.
///
/// ```swift
/// let z = EmbeddingMLP.logits(embedding, weights: w.dense, inputs: 384, hidden: 64)
/// ```
public enum EmbeddingMLP {
    public static func parameterCount(inputs: Int, hidden: Int) -> Int { inputs * hidden + hidden + hidden * headSlots }

    /// Hidden activations for one embedding.
    @inline(__always)
    static func hidden(_ e: UnsafePointer<Float>, _ w: UnsafePointer<Float>, inputs: Int, hidden H: Int, into h: UnsafeMutablePointer<Float>) {
        let b1 = w + inputs * H
        for j in 0..<H { h[j] = b1[j] }
        for d in 0..<inputs {
            let x = e[d]
            if x == 0 { continue }
            let row = w + d * H
            for j in 0..<H { h[j] += x * row[j] }
        }
        for j in 0..<H where h[j] < 0 { h[j] = 0 }
    }

    /// Output logits (without the shared bias) for one embedding.
    public static func logits(_ e: UnsafePointer<Float>, weights w: UnsafePointer<Float>, inputs: Int, hidden H: Int) -> SIMD8<Float> {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: H) { buf in
            let h = buf.baseAddress!
            hidden(e, w, inputs: inputs, hidden: H, into: h)
            let w2 = UnsafeRawPointer(w + inputs * H + H)
            var z = SIMD8<Float>()
            for j in 0..<H where h[j] != 0 { z += h[j] * w2.loadUnaligned(fromByteOffset: j &* 32, as: SIMD8<Float>.self) }
            return z
        }
    }

    /// Trains the ensemble's MLPs (one per `options.mlpMemberLayers`, or `mlpEnsemble` over the
    /// whole embedding) with different seeds and joins them into one (`join`): the mean of their
    /// logits, at the cost of one MLP with that many times the hidden units. With `options.threads`
    /// > 1 the members train side by side (each is independent of the others: the same result).
    static func trainEnsemble(_ data: FeaturizedData, options: TrainOptions, rows: [Int], targets: [SIMD8<Float>],
                              weights sampleW: [SIMD8<Float>], progress: ((Int, Int) -> Void)?) -> (dense: [Float], bias: SIMD8<Float>) {
        let inputs = options.mlpMemberInputs(dimension: data.denseDim)
        let trained = LockedBox([(dense: [Float], bias: SIMD8<Float>)?](repeating: nil, count: inputs.count))
        let report = LockedBox(progress)   // the first member reports its epochs
        let member: @Sendable (Int) -> Void = { m in
            var o = options
            o.seed = options.seed &+ UInt64(m) &* 0x9E37_79B9
            let mlp = train(data, options: o, rows: rows, targets: targets, weights: sampleW, inputs: inputs[m],
                            progress: m == 0 ? { done, total in report.withLock { $0?(done, total) } } : nil)
            trained.withLock { $0[m] = mlp }
        }
        if options.threads > 1 && inputs.count > 1 {
            DispatchQueue.concurrentPerform(iterations: inputs.count, execute: member)
        } else {
            inputs.indices.forEach(member)
        }
        let members = trained.withLock { $0.map { $0! } }
        return members.count == 1 ? members[0] : join(members, inputs: data.denseDim, hidden: options.hiddenUnits)
    }

    /// One MLP whose logits are the mean of `members`' logits (each `inputs` → `hidden` → 8 slots):
    /// the hidden layers side by side, the output layers scaled by 1/K, the biases averaged.
    ///
    /// ```swift
    /// let joined = EmbeddingMLP.join([a, b], inputs: 384, hidden: 128)   // 256 hidden units
    /// ```
    public static func join(_ members: [(dense: [Float], bias: SIMD8<Float>)], inputs D: Int, hidden H: Int) -> (dense: [Float], bias: SIMD8<Float>) {
        let K = members.count, KH = K * H
        var w = [Float](repeating: 0, count: parameterCount(inputs: D, hidden: KH))
        var bias = SIMD8<Float>()
        let inv = 1 / Float(K)
        for (m, member) in members.enumerated() {
            let v = member.dense
            precondition(v.count == parameterCount(inputs: D, hidden: H), "MLP member \(m) has the wrong size")
            for d in 0..<D { for j in 0..<H { w[d * KH + m * H + j] = v[d * H + j] } }
            for j in 0..<H { w[D * KH + m * H + j] = v[D * H + j] }
            for j in 0..<H { for s in 0..<headSlots {
                w[D * KH + KH + (m * H + j) * headSlots + s] = v[D * H + H + j * headSlots + s] * inv
            } }
            bias += member.bias * inv
        }
        return (w, bias)
    }

    /// Trains the MLP on `rows` (each with an embedding in `data`); returns the dense weights and the output bias.
    /// With `inputs`, the MLP reads only those embedding values: the others' weights stay 0.
    static func train(_ data: FeaturizedData, options: TrainOptions, rows: [Int], targets: [SIMD8<Float>], weights sampleW: [SIMD8<Float>],
                      inputs range: Range<Int>? = nil, progress: ((Int, Int) -> Void)?) -> (dense: [Float], bias: SIMD8<Float>) {
        let D = data.denseDim, H = options.hiddenUnits
        let read = range ?? 0..<D
        precondition(read.lowerBound >= 0 && read.upperBound <= D && !read.isEmpty, "MLP inputs \(read) outside the embedding's \(D) values")
        var rng = SplitMix64(seed: options.seed ^ 0x6d6c_70)
        func uniform(_ a: Float) -> Float { (Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1) * a }
        var w = [Float](repeating: 0, count: parameterCount(inputs: D, hidden: H))
        let a1 = (6 / Float(read.count + H)).squareRoot(), a2 = (6 / Float(H + headSlots)).squareRoot()
        for i in 0..<(D * H) {
            let u = uniform(a1)
            w[i] = read.contains(i / H) ? u : 0
        }
        for j in 0..<H { w[D * H + j] = 0.01 }
        for i in (D * H + H)..<w.count { w[i] = uniform(a2) }
        var g2 = [Float](repeating: 0, count: w.count)
        var bias = SIMD8<Float>(), gBias = SIMD8<Float>()
        let lr = options.mlpLearningRate, l2 = options.l2 * 10, eps: Float = 1e-8
        var order = Array(0..<rows.count)
        var h = [Float](repeating: 0, count: H), dh = [Float](repeating: 0, count: H)
        var intercepts = SourceIntercepts(data, options: options, rows: rows, targets: targets, weights: sampleW, learningRate: lr)
        var average = WeightAverage(epochs: options.mlpEpochs, averagedEpochs: options.mlpAverageEpochs, rowsPerEpoch: rows.count)
        for epoch in 0..<options.mlpEpochs {
            order.shuffle(using: &rng)
            w.withUnsafeMutableBufferPointer { wb in
                g2.withUnsafeMutableBufferPointer { gb in
                    h.withUnsafeMutableBufferPointer { hb in
                        dh.withUnsafeMutableBufferPointer { dhb in
                            let W = wb.baseAddress!, G = gb.baseAddress!, hp = hb.baseAddress!, dhp = dhb.baseAddress!
                            let w2 = W + D * H + H, g2p = G + D * H + H
                            for (step, k) in order.enumerated() {
                                defer { average.observe(epoch: epoch, step: step, weights: UnsafePointer(W), count: wb.count, bias: bias) }
                                let r = rows[k]
                                let sw = sampleW[k]
                                data.withDense(r) { e in
                                    hidden(e, UnsafePointer(W), inputs: D, hidden: H, into: hp)
                                    var z = bias + intercepts.value(data.sourceOf[r])
                                    for j in 0..<H where hp[j] != 0 {
                                        z += hp[j] * UnsafeRawPointer(w2 + j * headSlots).loadUnaligned(as: SIMD8<Float>.self)
                                    }
                                    var p = SIMD8<Float>()
                                    for s in 0..<headSlots { p[s] = 1 / (1 + expf(-z[s])) }
                                    let g = sw * (p - targets[k])
                                    intercepts.step(data.sourceOf[r], gradient: g, mask: SIMD8<Float>(repeating: 1).replacing(with: 0, where: sw .== 0))
                                    // Output layer and the gradient into the hidden units.
                                    for j in 0..<H {
                                        let row = UnsafeMutableRawPointer(w2 + j * headSlots)
                                        let wj = row.loadUnaligned(as: SIMD8<Float>.self)
                                        dhp[j] = hp[j] > 0 ? (g * wj).sum() : 0
                                        guard hp[j] != 0 else { continue }
                                        let grad = g * hp[j] + l2 * wj
                                        let acc = UnsafeMutableRawPointer(g2p + j * headSlots)
                                        let a = acc.loadUnaligned(as: SIMD8<Float>.self) + grad * grad
                                        acc.storeBytes(of: a, as: SIMD8<Float>.self)
                                        row.storeBytes(of: wj - lr * grad / (a.squareRoot() + eps), as: SIMD8<Float>.self)
                                    }
                                    gBias += g * g
                                    bias -= lr * g / (gBias.squareRoot() + eps)
                                    // Hidden layer.
                                    for j in 0..<H where dhp[j] != 0 {
                                        let gj = dhp[j]
                                        G[D * H + j] += gj * gj
                                        W[D * H + j] -= lr * gj / (G[D * H + j].squareRoot() + eps)
                                    }
                                    for d in read {
                                        let x = e[d]
                                        if x == 0 { continue }
                                        let row = W + d * H, acc = G + d * H
                                        for j in 0..<H where dhp[j] != 0 {
                                            let grad = x * dhp[j] + l2 * row[j]
                                            acc[j] += grad * grad
                                            row[j] -= lr * grad / (acc[j].squareRoot() + eps)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            progress?(epoch + 1, options.mlpEpochs)
        }
        return average.result ?? (w, bias)
    }
}
