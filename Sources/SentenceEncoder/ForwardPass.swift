import CEncoderKernels
import Foundation

/// Scratch buffers for one forward pass over up to `capacity` tokens (all texts of a batch laid
/// end to end, no padding), allocated once per `embed` call and reused by every layer.
final class ForwardWorkspace: @unchecked Sendable {
    let capacity: Int
    let hidden: UnsafeMutablePointer<Float>        // capacity × h: the residual stream
    let qkv: UnsafeMutablePointer<Float>           // capacity × 3h
    let context: UnsafeMutablePointer<Float>       // capacity × h: attention output per head
    let projected: UnsafeMutablePointer<Float>     // capacity × h: a sublayer's output before add + norm
    let intermediate: UnsafeMutablePointer<Float>  // capacity × intermediate
    /// Per attention worker: packed keys, scores, packed values for one (text, head).
    let attention: [AttentionScratch]

    init(capacity: Int, longest: Int, config c: MiniLMConfig, workers: Int) {
        self.capacity = capacity
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> { .allocate(capacity: max(1, n)) }
        hidden = buffer(capacity * c.hiddenSize)
        qkv = buffer(capacity * 3 * c.hiddenSize)
        context = buffer(capacity * c.hiddenSize)
        projected = buffer(capacity * c.hiddenSize)
        intermediate = buffer(capacity * c.intermediateSize)
        attention = (0..<max(1, workers)).map { _ in AttentionScratch(longest: longest, headSize: c.headSize) }
    }

    deinit {
        for p in [hidden, qkv, context, projected, intermediate] { p.deallocate() }
    }
}

/// One worker's buffers for attention over a text of up to `longest` tokens.
final class AttentionScratch: @unchecked Sendable {
    let keys: UnsafeMutablePointer<Float>
    let scores: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>

    init(longest: Int, headSize: Int) {
        keys = .allocate(capacity: ek_packed_count(Int32(headSize), Int32(longest)))
        scores = .allocate(capacity: longest * longest)
        values = .allocate(capacity: ek_packed_count(Int32(longest), Int32(headSize)))
    }

    deinit { keys.deallocate(); scores.deallocate(); values.deallocate() }
}

/// The BERT forward pass over a batch of token-id sequences, then mean pooling and L2
/// normalization (sentence-transformers' Transformer → Pooling(mean) → Normalize).
struct ForwardPass {
    let config: MiniLMConfig
    let weights: MiniLMWeights
    let threads: Int
    /// Layers (1-based) whose states are pooled, in output order (`[config.layers]`: the last only).
    var pooledLayers: [Int]

    init(config: MiniLMConfig, weights: MiniLMWeights, threads: Int, pooledLayers: [Int]? = nil) {
        self.config = config
        self.weights = weights
        self.threads = threads
        self.pooledLayers = pooledLayers ?? [config.layers]
    }

    /// One pooled, normalized embedding per sequence (one per pooled layer, joined). Every sequence is non-empty and at most
    /// `config.maxPositions` long; their total is at most `workspace.capacity`.
    func run(_ sequences: [[Int32]], workspace ws: ForwardWorkspace) -> [[Float]] {
        let h = config.hiddenSize
        var starts: [Int] = []
        var rows = 0
        for s in sequences { starts.append(rows); rows += s.count }
        precondition(rows <= ws.capacity)
        embed(sequences, starts: starts, into: ws.hidden)
        // Pooled layers ascend (`MiniLMEncoder.canPool`), so each text's vector grows in order; with
        // one pooled layer (the default) it is the pooled array itself, no copy.
        var out = [[Float]](repeating: [], count: sequences.count)
        for (index, layer) in weights.layers.enumerated() {
            layer.qkv.apply(ws.hidden, rows: rows, into: ws.qkv, threads: threads)
            attend(sequences.map(\.count), starts: starts, workspace: ws)
            layer.attentionOutput.apply(ws.context, rows: rows, into: ws.projected, threads: threads)
            addNorm(ws.hidden, ws.projected, rows: rows, layer.attentionNorm)
            layer.intermediate.apply(ws.hidden, rows: rows, into: ws.intermediate, gelu: true, threads: threads)
            layer.output.apply(ws.intermediate, rows: rows, into: ws.projected, threads: threads)
            addNorm(ws.hidden, ws.projected, rows: rows, layer.outputNorm)
            guard pooledLayers.contains(index + 1) else { continue }
            for (i, (start, s)) in zip(starts, sequences).enumerated() {
                let v = Pooling.meanNormalized(ws.hidden + start * h, rows: s.count, dimension: h)
                if out[i].isEmpty { out[i] = v } else { out[i] += v }
            }
        }
        return out
    }

    /// hidden[row] = LayerNorm(word[id] + position[j] + tokenType[0]).
    private func embed(_ sequences: [[Int32]], starts: [Int], into hidden: UnsafeMutablePointer<Float>) {
        let h = config.hiddenSize
        weights.wordEmbeddings.withUnsafeBufferPointer { word in
            weights.positionEmbeddings.withUnsafeBufferPointer { position in
                weights.tokenType0.withUnsafeBufferPointer { type0 in
                    for (s, start) in zip(sequences, starts) {
                        for (j, id) in s.enumerated() {
                            let row = hidden + (start + j) * h
                            let w = word.baseAddress! + Int(id) * h, p = position.baseAddress! + j * h
                            for d in 0..<h { row[d] = w[d] + p[d] + type0[d] }
                        }
                    }
                }
            }
        }
        addNorm(hidden, nil, rows: starts.isEmpty ? 0 : starts.last! + sequences.last!.count, weights.embeddingNorm)
    }

    /// x = LayerNorm(x + y), rows split over the threads.
    private func addNorm(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>?, rows: Int, _ norm: LayerNormWeights) {
        let h = config.hiddenSize, eps = config.layerNormEpsilon
        norm.gamma.withUnsafeBufferPointer { g in
            norm.beta.withUnsafeBufferPointer { b in
                let call = NormCall(x: x, y: y, gamma: g.baseAddress!, beta: b.baseAddress!)
                Parallel.forEach(chunks: rows >= 64 ? threads : 1) { chunk, chunks in
                    let r0 = rows * chunk / chunks, r1 = rows * (chunk + 1) / chunks
                    ek_add_layernorm(call.x + r0 * h, call.y.map { $0 + r0 * h }, Int32(r1 - r0), Int32(h),
                                     call.gamma, call.beta, eps)
                }
            }
        }
    }

    /// Self-attention of every (text, head): softmax(Q·Kᵀ/√d)·V into `context`, pairs shared out
    /// over the workers, longest texts first.
    private func attend(_ lengths: [Int], starts: [Int], workspace ws: ForwardWorkspace) {
        let h = config.hiddenSize, d = config.headSize, heads = config.heads
        let order = lengths.indices.sorted { lengths[$0] > lengths[$1] }
        let jobs = order.flatMap { text in (0..<heads).map { (text, $0) } }
        let workers = min(ws.attention.count, threads)
        let scale = 1 / Float(d).squareRoot()
        let qkv = SendablePointer(ws.qkv), context = SendablePointer(ws.context)
        Parallel.forEach(chunks: workers) { worker, chunks in
            let scratch = ws.attention[worker]
            for j in stride(from: worker, to: jobs.count, by: chunks) {
                let (text, head) = jobs[j]
                let n = lengths[text], n32 = Int32(n)
                let q = qkv.pointer + starts[text] * 3 * h + head * d
                let k = q + h, v = q + 2 * h
                ek_pack(k, 1, 3 * h, Int32(d), n32, scratch.keys)
                ek_gemm(q, Int32(3 * h), n32, Int32(d), scratch.keys, n32, 0, Int32.max, scratch.scores, n32, nil, EK_EPILOGUE_NONE)
                ek_softmax_rows(scratch.scores, n32, n32, n32, scale)
                ek_pack(v, 3 * h, 1, n32, Int32(d), scratch.values)
                ek_gemm(scratch.scores, n32, n32, n32, scratch.values, Int32(d), 0, Int32.max,
                        context.pointer + starts[text] * h + head * d, Int32(h), nil, EK_EPILOGUE_NONE)
            }
        }
    }
}

struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}

struct NormCall: @unchecked Sendable {
    let x: UnsafeMutablePointer<Float>
    let y: UnsafeMutablePointer<Float>?
    let gamma: UnsafePointer<Float>
    let beta: UnsafePointer<Float>
}

/// Mean pooling over a text's token rows, then L2 normalization (as torch's
/// `F.normalize(p: 2, eps: 1e-12)`: divide by max(‖v‖, 1e-12)).
public enum Pooling {
    public static func meanNormalized(_ rows: UnsafePointer<Float>, rows count: Int, dimension: Int) -> [Float] {
        var sum = [Double](repeating: 0, count: dimension)
        for r in 0..<count {
            let row = rows + r * dimension
            for d in 0..<dimension { sum[d] += Double(row[d]) }
        }
        let mean = sum.map { $0 / Double(max(1, count)) }
        return l2Normalized(mean)
    }

    public static func l2Normalized(_ v: [Double]) -> [Float] {
        let norm = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return v.map { Float($0 / norm) }
    }
}
