import CEncoderKernels
import Foundation

/// A linear layer's weight `W` (out × in, PyTorch layout) packed once for `ek_gemm`, with its bias:
/// `y = x · Wᵀ + b`.
///
/// ```swift
/// let dense = PackedLinear(weight: w, bias: b, outputs: 384, inputs: 1536)
/// dense.apply(x, rows: n, into: y)
/// ```
struct PackedLinear: Sendable {
    let inputs: Int
    let outputs: Int
    let packed: [Float]
    let bias: [Float]

    init(weight: [Float], bias: [Float], outputs: Int, inputs: Int) {
        precondition(weight.count == outputs * inputs && bias.count == outputs)
        self.inputs = inputs
        self.outputs = outputs
        self.bias = bias
        self.packed = [Float](unsafeUninitializedCapacity: ek_packed_count(Int32(inputs), Int32(outputs))) { buf, n in
            weight.withUnsafeBufferPointer {
                ek_pack($0.baseAddress!, 1, inputs, Int32(inputs), Int32(outputs), buf.baseAddress!)
            }
            n = buf.count
        }
    }

    /// Panels of 16 output columns (the unit threads split).
    var panels: Int { (outputs + Int(EK_PANEL) - 1) / Int(EK_PANEL) }

    /// `output[rows × outputs] = input[rows × inputs] · Wᵀ + b` (then GELU if asked), the columns split
    /// over `threads` workers.
    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
               gelu: Bool = false, threads: Int = 1) {
        let epilogue = gelu ? EK_EPILOGUE_GELU : EK_EPILOGUE_NONE
        packed.withUnsafeBufferPointer { p in
            bias.withUnsafeBufferPointer { b in
                let work = GemmCall(a: input, packed: p.baseAddress!, bias: b.baseAddress!, c: output)
                Parallel.forEach(chunks: min(threads, panels)) { chunk, chunks in
                    let begin = panels * chunk / chunks, end = panels * (chunk + 1) / chunks
                    ek_gemm(work.a, Int32(inputs), Int32(rows), Int32(inputs), work.packed, Int32(outputs),
                            Int32(begin), Int32(end), work.c, Int32(outputs), work.bias, Int32(epilogue))
                }
            }
        }
    }
}

/// Pointers handed to the GEMM workers; each writes disjoint columns of `c`.
struct GemmCall: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let packed: UnsafePointer<Float>
    let bias: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
}

/// `DispatchQueue.concurrentPerform` over `chunks` pieces; runs inline when there is one.
enum Parallel {
    static func forEach(chunks: Int, _ body: @Sendable (_ chunk: Int, _ chunks: Int) -> Void) {
        let n = max(1, chunks)
        if n == 1 { body(0, 1); return }
        DispatchQueue.concurrentPerform(iterations: n) { body($0, n) }
    }
}

/// LayerNorm parameters.
struct LayerNormWeights: Sendable {
    let gamma: [Float]
    let beta: [Float]
}

/// One transformer layer: fused QKV projection, attention output, feed-forward, two LayerNorms.
struct EncoderLayerWeights: Sendable {
    let qkv: PackedLinear            // 3·hidden outputs: query, key, value
    let attentionOutput: PackedLinear
    let attentionNorm: LayerNormWeights
    let intermediate: PackedLinear   // GELU fused into its GEMM
    let output: PackedLinear
    let outputNorm: LayerNormWeights
}

/// Every weight of the BERT encoder, checked against the config and packed for the GEMM.
struct MiniLMWeights: Sendable {
    let wordEmbeddings: [Float]      // vocab × hidden
    let positionEmbeddings: [Float]  // maxPositions × hidden
    let tokenType0: [Float]          // hidden (token type 0 only)
    let embeddingNorm: LayerNormWeights
    let layers: [EncoderLayerWeights]

    /// Loads from a safetensors file with Hugging Face BertModel names (with or without a
    /// `bert.` prefix); every tensor's shape is checked.
    init(file: SafetensorsFile, config c: MiniLMConfig) throws {
        let prefix = file.tensors["embeddings.word_embeddings.weight"] == nil && file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func t(_ name: String, _ shape: [Int]) throws -> [Float] { try file.floats(prefix + name, shape: shape) }
        let h = c.hiddenSize
        wordEmbeddings = try t("embeddings.word_embeddings.weight", [c.vocabularySize, h])
        positionEmbeddings = try t("embeddings.position_embeddings.weight", [c.maxPositions, h])
        tokenType0 = Array(try t("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h]).prefix(h))
        embeddingNorm = LayerNormWeights(gamma: try t("embeddings.LayerNorm.weight", [h]), beta: try t("embeddings.LayerNorm.bias", [h]))
        layers = try (0..<c.layers).map { i in
            let p = "encoder.layer.\(i)."
            func linear(_ name: String, out: Int, in inputs: Int) throws -> (w: [Float], b: [Float]) {
                (try t(p + name + ".weight", [out, inputs]), try t(p + name + ".bias", [out]))
            }
            func norm(_ name: String) throws -> LayerNormWeights {
                LayerNormWeights(gamma: try t(p + name + ".weight", [h]), beta: try t(p + name + ".bias", [h]))
            }
            let q = try linear("attention.self.query", out: h, in: h)
            let k = try linear("attention.self.key", out: h, in: h)
            let v = try linear("attention.self.value", out: h, in: h)
            let ao = try linear("attention.output.dense", out: h, in: h)
            let inter = try linear("intermediate.dense", out: c.intermediateSize, in: h)
            let out = try linear("output.dense", out: h, in: c.intermediateSize)
            return EncoderLayerWeights(
                qkv: PackedLinear(weight: q.w + k.w + v.w, bias: q.b + k.b + v.b, outputs: 3 * h, inputs: h),
                attentionOutput: PackedLinear(weight: ao.w, bias: ao.b, outputs: h, inputs: h),
                attentionNorm: try norm("attention.output.LayerNorm"),
                intermediate: PackedLinear(weight: inter.w, bias: inter.b, outputs: c.intermediateSize, inputs: h),
                output: PackedLinear(weight: out.w, bias: out.b, outputs: h, inputs: c.intermediateSize),
                outputNorm: try norm("output.LayerNorm"))
        }
    }
}
