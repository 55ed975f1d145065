import Foundation
import Testing
@testable import SentenceEncoder

/// A tiny random BERT (hidden 8, 2 heads, 2 layers) written by the test as safetensors + vocab +
/// config, loaded through `MiniLMEncoder.load`, and checked against a naive Double forward pass
/// written here from the BERT definition. Needs no downloaded model, so it always runs.
@Suite struct TinyModelTests {
    static let hidden = 8, heads = 2, layers = 2, intermediate = 12, positions = 16
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "sat", "on", "mat", "##s", ".", "a"]

    /// name → (shape, values)
    static func tensors() -> [(String, [Int], [Float])] {
        var rng = KernelTests.Rng(state: 2024)
        let h = hidden
        var out: [(String, [Int], [Float])] = [
            ("embeddings.word_embeddings.weight", [vocabulary.count, h], rng.values(vocabulary.count * h)),
            ("embeddings.position_embeddings.weight", [positions, h], rng.values(positions * h)),
            ("embeddings.token_type_embeddings.weight", [2, h], rng.values(2 * h)),
            ("embeddings.LayerNorm.weight", [h], rng.values(h).map { 1 + $0 / 2 }),
            ("embeddings.LayerNorm.bias", [h], rng.values(h)),
        ]
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            for (name, o, i) in [("attention.self.query", h, h), ("attention.self.key", h, h), ("attention.self.value", h, h),
                                 ("attention.output.dense", h, h), ("intermediate.dense", intermediate, h), ("output.dense", h, intermediate)] {
                out.append((p + name + ".weight", [o, i], rng.values(o * i)))
                out.append((p + name + ".bias", [o], rng.values(o)))
            }
            for name in ["attention.output.LayerNorm", "output.LayerNorm"] {
                out.append((p + name + ".weight", [h], rng.values(h).map { 1 + $0 / 2 }))
                out.append((p + name + ".bias", [h], rng.values(h)))
            }
        }
        return out
    }

    static func writeModel(to dir: URL, drop: String? = nil, modules: String? = nil) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let ts = tensors().filter { $0.0 != drop }.map { SafetensorsWriter.f32($0.0, $0.1, $0.2) }
        try SafetensorsWriter.encode(ts).write(to: dir.appendingPathComponent("model.safetensors"))
        try Data((vocabulary.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("vocab.txt"))
        let config = #"{"hidden_size": \#(hidden), "num_hidden_layers": \#(layers), "num_attention_heads": \#(heads), "intermediate_size": \#(intermediate), "max_position_embeddings": \#(positions), "vocab_size": \#(vocabulary.count), "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu"}"#
        try Data(config.utf8).write(to: dir.appendingPathComponent("config.json"))
        if let modules { try Data(modules.utf8).write(to: dir.appendingPathComponent("modules.json")) }
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tiny-minilm-\(UUID().uuidString)")
    }

    /// BERT by the book, in Double: embeddings + LayerNorm, then per layer multi-head attention,
    /// add & norm, GELU feed-forward, add & norm; mean pooling; L2 normalization.
    static func reference(_ ids: [Int32], throughLayer last: Int = layers) -> [Double] {
        let w = Dictionary(uniqueKeysWithValues: tensors().map { ($0.0, $0.2.map(Double.init)) })
        let h = hidden, n = ids.count, d = h / heads
        func layerNorm(_ v: [Double], _ name: String) -> [Double] {
            let gamma = w[name + ".weight"]!, beta = w[name + ".bias"]!
            let mean: Double = v.reduce(0, +) / Double(h)
            var variance = 0.0
            for c in 0..<h { variance += (v[c] - mean) * (v[c] - mean) / Double(h) }
            var out = [Double](repeating: 0, count: h)
            for c in 0..<h { out[c] = (v[c] - mean) / (variance + 1e-12).squareRoot() * gamma[c] + beta[c] }
            return out
        }
        func linear(_ v: [Double], _ name: String, out: Int) -> [Double] {
            let weight = w[name + ".weight"]!, bias = w[name + ".bias"]!
            var y = bias
            for o in 0..<out { for i in 0..<v.count { y[o] += weight[o * v.count + i] * v[i] } }
            return y
        }
        let word = w["embeddings.word_embeddings.weight"]!, position = w["embeddings.position_embeddings.weight"]!
        let tokenType = w["embeddings.token_type_embeddings.weight"]!
        var x: [[Double]] = []
        for (j, id) in ids.enumerated() {
            var e = [Double](repeating: 0, count: h)
            for c in 0..<h { e[c] = word[Int(id) * h + c] + position[j * h + c] + tokenType[c] }
            x.append(layerNorm(e, "embeddings.LayerNorm"))
        }
        for l in 0..<last {
            let p = "encoder.layer.\(l)."
            let q = x.map { linear($0, p + "attention.self.query", out: h) }
            let k = x.map { linear($0, p + "attention.self.key", out: h) }
            let v = x.map { linear($0, p + "attention.self.value", out: h) }
            var context = [[Double]](repeating: [Double](repeating: 0, count: h), count: n)
            for head in 0..<heads {
                for i in 0..<n {
                    var scores = [Double](repeating: 0, count: n)
                    for j in 0..<n {
                        for c in 0..<d { scores[j] += q[i][head * d + c] * k[j][head * d + c] }
                        scores[j] /= Double(d).squareRoot()
                    }
                    let mx = scores.max()!
                    let e: [Double] = scores.map { exp($0 - mx) }
                    let sum: Double = e.reduce(0, +)
                    for c in 0..<d {
                        var acc = 0.0
                        for j in 0..<n { acc += e[j] / sum * v[j][head * d + c] }
                        context[i][head * d + c] = acc
                    }
                }
            }
            x = (0..<n).map { i in
                let a = linear(context[i], p + "attention.output.dense", out: h)
                return layerNorm((0..<h).map { x[i][$0] + a[$0] }, p + "attention.output.LayerNorm")
            }
            x = x.map { row in
                let inter = linear(row, p + "intermediate.dense", out: intermediate).map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
                let o = linear(inter, p + "output.dense", out: h)
                return layerNorm((0..<h).map { row[$0] + o[$0] }, p + "output.LayerNorm")
            }
        }
        var mean = [Double](repeating: 0, count: h)
        for row in x { for c in 0..<h { mean[c] += row[c] / Double(n) } }
        let norm: Double = mean.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        return mean.map { $0 / norm }
    }

    @Test func forwardPassMatchesTheNaiveDefinition() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeModel(to: dir, modules: #"[{"type": "sentence_transformers.models.Transformer"}, {"type": "sentence_transformers.models.Pooling"}, {"type": "sentence_transformers.models.Normalize"}]"#)
        let encoder = try MiniLMEncoder.load(directory: dir)
        #expect(encoder.dimension == 8)
        let texts = ["The cat sat on the mat.", "", "cats", "a a a a a a a a a a a a a a a a a a a a"]
        #expect(encoder.tokenIDs(texts[0]) == [2, 4, 5, 6, 7, 4, 8, 10, 3])
        #expect(encoder.tokenIDs(texts[2]) == [2, 5, 9, 3])
        // the last text is truncated at max_position_embeddings = 16
        #expect(encoder.tokenCount(texts[3], maxTokens: 256) == 16)
        for threads in [1, 2] {
            let got = encoder.embed(texts, threads: threads)
            for (text, vector) in zip(texts, got) {
                let expected = Self.reference(encoder.tokenIDs(text))
                let worst = zip(vector, expected).map { abs(Double($0) - $1) }.max()!
                #expect(worst < 1e-5, "\"\(text)\" threads \(threads): max error \(worst)")
            }
        }
    }

    /// Pooling other layers: each listed layer's states mean-pooled and normalized on its own,
    /// joined in the order given; the default is the last layer alone.
    @Test func pooledLayersJoinEachLayersEmbeddingInOrder() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeModel(to: dir)
        let encoder = try MiniLMEncoder.load(directory: dir)
        #expect(encoder.pooledLayers == [2])
        let both = encoder.pooling(layers: [1, 2])
        #expect(both.dimension == 16 && both.pooledLayers == [1, 2])
        let texts = ["The cat sat on the mat.", "a cat", "mats"]
        let got = both.embed(texts, threads: 2)
        for (text, vector) in zip(texts, got) {
            let ids = encoder.tokenIDs(text)
            let expected = Self.reference(ids, throughLayer: 1) + Self.reference(ids)
            #expect(vector.count == 16)
            let worst = zip(vector, expected).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 1e-5, "\"\(text)\": max error \(worst)")
        }
        #expect(encoder.pooling(layers: [2]).embed(texts) == encoder.embed(texts))
        #expect(Self.reference(encoder.tokenIDs(texts[0]), throughLayer: 1) != Self.reference(encoder.tokenIDs(texts[0])))
    }

    /// A model file naming layers the encoder lacks fails at load with both numbers, never crashes.
    @Test func poolingALayerTheEncoderLacksIsAnError() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeModel(to: dir)
        #expect(throws: EncoderLayersError(layers: [1, 3], available: 2)) { try loadSentenceEncoder(dir.path, layers: [1, 3]) }
        #expect(throws: EncoderLayersError(layers: [], available: 2)) { try loadSentenceEncoder(dir.path, layers: []) }
        #expect(throws: EncoderLayersError(layers: [2, 1], available: 2)) { try loadSentenceEncoder(dir.path, layers: [2, 1]) }
        #expect(try loadSentenceEncoder(dir.path, layers: [1, 2]).dimension == 16)
        #expect(try loadSentenceEncoder(dir.path).dimension == 8)
    }

    @Test func aMissingTensorFailsLoadNamingTheFileAndTensor() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeModel(to: dir, drop: "encoder.layer.1.output.dense.bias")
        let path = dir.appendingPathComponent("model.safetensors").path
        #expect(throws: SafetensorsError(path: path, reason: "has no tensor \"encoder.layer.1.output.dense.bias\"")) {
            try MiniLMEncoder.load(directory: dir)
        }
    }

    @Test func aTruncatedModelFailsLoadNamingTheFile() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeModel(to: dir)
        let url = dir.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: url)
        try data.prefix(data.count - 100).write(to: url)
        #expect {
            try MiniLMEncoder.load(directory: dir)
        } throws: { error in
            let e = error as? SafetensorsError
            return e?.path == url.path && e?.reason.contains("truncated") == true
        }
    }

    @Test func wrongShapesConfigsAndPipelinesAreRejected() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeModel(to: dir, modules: #"[{"type": "sentence_transformers.models.Transformer"}, {"type": "sentence_transformers.models.Pooling"}]"#)
        #expect(throws: EncoderFileError(path: dir.appendingPathComponent("modules.json").path,
                                         reason: "lists Transformer → Pooling; this encoder computes Transformer → Pooling(mean) → Normalize")) {
            try MiniLMEncoder.load(directory: dir)
        }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("modules.json"))
        // config says 16 hidden units: the embeddings' shape no longer matches
        try Data(#"{"hidden_size": 16, "num_attention_heads": 2, "num_hidden_layers": 2, "intermediate_size": 12, "max_position_embeddings": 16, "vocab_size": 12}"#.utf8)
            .write(to: dir.appendingPathComponent("config.json"))
        #expect(throws: SafetensorsError(path: dir.appendingPathComponent("model.safetensors").path,
                                         reason: "tensor \"embeddings.word_embeddings.weight\" has shape [12, 8], expected [12, 16]")) {
            try MiniLMEncoder.load(directory: dir)
        }
        try Data(#"{"hidden_act": "relu"}"#.utf8).write(to: dir.appendingPathComponent("config.json"))
        #expect(throws: EncoderFileError.self) { try MiniLMEncoder.load(directory: dir) }
        try Data("{".utf8).write(to: dir.appendingPathComponent("config.json"))
        #expect(throws: EncoderFileError.self) { try MiniLMEncoder.load(directory: dir) }
    }

    @Test func aDirectoryWithoutWeightsSaysHowToGetThem() throws {
        let dir = Self.temporaryDirectory()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: EncoderFileError(path: dir.appendingPathComponent("model.safetensors").path,
                                         reason: "does not exist; run `make encoder` or set WARDEN_ENCODER_DIR")) {
            try MiniLMEncoder.load(directory: dir)
        }
    }
}
