import CEncoderKernels
import Foundation

/// The precise tier's sentence encoder: all-MiniLM-L6-v2 (BERT, 6 layers, 384 dimensions) run on
/// CPU in process, giving sentence-transformers' embeddings (mean pooling over the real tokens,
/// L2-normalized) to within float rounding.
///
/// Texts of a batch run through the linear layers as one GEMM (rows = all their tokens, no
/// padding); attention runs per text and head. Weights are packed once at load.
///
/// ```swift
/// let encoder = try MiniLMEncoder.load(directory: try MiniLMEncoder.locate())
/// let vectors = encoder.embed(["I love this", "I hate you"], threads: 2)   // 2 × 384, unit length
/// let cosine = zip(vectors[0], vectors[1]).reduce(0) { $0 + $1.0 * $1.1 }
/// ```
public final class MiniLMEncoder: Sendable {
    public static let weightsFileName = "model.safetensors"
    public static let vocabularyFileName = "vocab.txt"
    public static let configFileName = "config.json"
    public static let modulesFileName = "modules.json"
    /// sentence-transformers' max_seq_length for this model: longer texts are truncated.
    public static let defaultMaxTokens = 256
    /// Tokens per forward pass when `embed` splits a large batch (bounds memory to ~40 MB of buffers).
    public static let tokensPerPass = 4096

    public let directory: URL
    public let config: MiniLMConfig
    public let tokenizer: WordPieceTokenizer
    let weights: MiniLMWeights
    /// The layers (1…`config.layers`) whose token states are mean-pooled, normalized and joined, in
    /// order: `[6]` (the default) is sentence-transformers' embedding; `[3, 6]` adds layer 3's.
    public let pooledLayers: [Int]

    init(directory: URL, config: MiniLMConfig, tokenizer: WordPieceTokenizer, weights: MiniLMWeights, pooledLayers: [Int]? = nil) {
        self.directory = directory
        self.config = config
        self.tokenizer = tokenizer
        self.weights = weights
        self.pooledLayers = pooledLayers ?? [config.layers]
    }

    /// The same encoder (weights shared) pooling `layers` instead.
    ///
    /// ```swift
    /// let both = encoder.pooling(layers: [3, 6])   // 768 values per text: layer 3's mean, then layer 6's
    /// ```
    public func pooling(layers: [Int]) -> MiniLMEncoder {
        precondition(canPool(layers), "pooled layers must ascend within 1…\(config.layers), not \(layers)")
        return MiniLMEncoder(directory: directory, config: config, tokenizer: tokenizer, weights: weights, pooledLayers: layers)
    }

    /// `pooling(layers:)` for layers read from a file (`ModelHeader.encoderLayers`; nil: this
    /// encoder as it is): an `EncoderLayersError` instead of a trap when the encoder lacks one.
    public func validPooling(layers: [Int]?) throws -> MiniLMEncoder {
        guard let layers else { return self }
        guard canPool(layers) else { throw EncoderLayersError(layers: layers, available: config.layers) }
        return pooling(layers: layers)
    }

    /// Whether `layers` can be pooled: not empty, strictly ascending, each in 1…`config.layers`.
    public func canPool(_ layers: [Int]) -> Bool {
        !layers.isEmpty && layers.allSatisfy { (1...config.layers).contains($0) } && zip(layers, layers.dropFirst()).allSatisfy { $0 < $1 }
    }

    /// Embedding size (384 per pooled layer).
    public var dimension: Int { config.hiddenSize * pooledLayers.count }

    /// Whether the AVX2/FMA kernels run on this CPU (else the portable C path).
    public static var usesAVX2: Bool { ek_simd_active() != 0 }

    /// Turns the AVX2/FMA kernels off (or back on, if the CPU has them) for the whole process:
    /// for benchmarks comparing them with the portable path. Not for use while embedding.
    public static func setAVX2Enabled(_ enabled: Bool) { ek_set_simd_enabled(enabled ? 1 : 0) }

    // MARK: Loading

    /// Loads `directory/model.safetensors` and `vocab.txt` (`config.json` and `modules.json` are
    /// optional: defaults are all-MiniLM-L6-v2's). Throws `EncoderFileError` or `SafetensorsError`
    /// naming the file and what is wrong.
    public static func load(directory: URL) throws -> MiniLMEncoder {
        let configURL = directory.appendingPathComponent(configFileName)
        let config = FileManager.default.fileExists(atPath: configURL.path) ? try MiniLMConfig.load(contentsOf: configURL) : MiniLMConfig()
        try checkModules(directory.appendingPathComponent(modulesFileName))
        let weightsURL = directory.appendingPathComponent(weightsFileName)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw EncoderFileError(path: weightsURL.path, reason: "does not exist; run `make encoder` or set WARDEN_ENCODER_DIR")
        }
        let tokenizer = try WordPieceTokenizer(contentsOf: directory.appendingPathComponent(vocabularyFileName))
        guard tokenizer.vocabulary.count <= config.vocabularySize else {
            throw EncoderFileError(path: directory.appendingPathComponent(vocabularyFileName).path,
                                   reason: "has \(tokenizer.vocabulary.count) tokens but the model embeds \(config.vocabularySize)")
        }
        let weights = try MiniLMWeights(file: SafetensorsFile(contentsOf: weightsURL), config: config)
        return MiniLMEncoder(directory: directory, config: config, tokenizer: tokenizer, weights: weights)
    }

    /// sentence-transformers' module list must be Transformer → Pooling → Normalize (what this
    /// encoder computes); a missing file is accepted.
    static func checkModules(_ url: URL) throws {
        guard let data = try? Data(contentsOf: url) else { return }
        struct Module: Decodable { let type: String }
        guard let modules = try? JSONDecoder().decode([Module].self, from: data) else {
            throw EncoderFileError(path: url.path, reason: "is not a JSON list of {\"type\": ...} modules")
        }
        let kinds = modules.map { $0.type.split(separator: ".").last.map(String.init) ?? $0.type }
        guard kinds == ["Transformer", "Pooling", "Normalize"] else {
            throw EncoderFileError(path: url.path, reason: "lists \(kinds.joined(separator: " → ")); this encoder computes Transformer → Pooling(mean) → Normalize")
        }
    }

    /// The directories `locate()` tries, in order: `$WARDEN_ENCODER_DIR`, `./var/encoder`, then
    /// `var/encoder` relative to the executable (`.build/<config>/warden` → `../../var/encoder`).
    public static func candidateDirectories() -> [URL] {
        var urls: [URL] = []
        if let env = ProcessInfo.processInfo.environment["WARDEN_ENCODER_DIR"], !env.isEmpty {
            urls.append(URL(fileURLWithPath: env))
        }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        urls.append(cwd.appendingPathComponent("var/encoder"))
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            let dir = exe.deletingLastPathComponent()
            urls.append(dir.appendingPathComponent("../../var/encoder").standardizedFileURL)
            urls.append(dir.appendingPathComponent("../../../var/encoder").standardizedFileURL)
            urls.append(dir.appendingPathComponent("var/encoder").standardizedFileURL)
        }
        return urls
    }

    /// The model directory: the first candidate holding `model.safetensors`. If
    /// `WARDEN_ENCODER_DIR` is set it is the answer (no silent fallback; `load` then says what is
    /// missing). Throws if none is found.
    public static func locate() throws -> URL {
        let candidates = candidateDirectories()
        if let env = ProcessInfo.processInfo.environment["WARDEN_ENCODER_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        for dir in candidates where FileManager.default.fileExists(atPath: dir.appendingPathComponent(weightsFileName).path) {
            return dir
        }
        throw EncoderFileError(path: candidates.map(\.path).joined(separator: ", "),
                               reason: "hold no \(weightsFileName); run `make encoder` or set WARDEN_ENCODER_DIR")
    }

    // MARK: Encoding

    /// Token ids of `text` as the model sees it: `[CLS]`, word pieces, `[SEP]`, at most `maxTokens`.
    public func tokenIDs(_ text: String, maxTokens: Int = defaultMaxTokens) -> [Int32] {
        tokenizer.encode(text, maxTokens: clampedLength(maxTokens))
    }

    /// Overlapping windows of token ids covering all of `text` (see `WordPieceTokenizer.windows`),
    /// to pass to `embed(tokenIDs:)` when a text is longer than one window.
    public func tokenWindows(_ text: String, maxTokens: Int = defaultMaxTokens, stride: Int? = nil) -> [[Int32]] {
        tokenizer.windows(text, maxTokens: clampedLength(maxTokens), stride: stride)
    }

    /// Tokens `text` takes, `[CLS]` and `[SEP]` included, at most `maxTokens`.
    public func tokenCount(_ text: String, maxTokens: Int = defaultMaxTokens) -> Int {
        tokenIDs(text, maxTokens: maxTokens).count
    }

    /// One L2-normalized mean-pooled embedding per text, in order. `maxTokens` includes
    /// `[CLS]`/`[SEP]` (clamped to 2…512); `threads` workers share each matrix product.
    public func embed(_ texts: [String], maxTokens: Int = defaultMaxTokens, threads: Int = 1) -> [[Float]] {
        embed(tokenIDs: texts.map { tokenIDs($0, maxTokens: maxTokens) }, threads: threads)
    }

    /// Embeddings of already tokenized texts (each from `tokenIDs`, non-empty, ≤ 512 ids).
    public func embed(tokenIDs sequences: [[Int32]], threads: Int = 1) -> [[Float]] {
        guard !sequences.isEmpty else { return [] }
        for s in sequences {
            precondition(!s.isEmpty && s.count <= config.maxPositions, "a sequence has \(s.count) tokens; 1…\(config.maxPositions) allowed")
            precondition(s.allSatisfy { $0 >= 0 && Int($0) < config.vocabularySize }, "a token id is outside the vocabulary")
        }
        let batches = Self.batches(sequences.map(\.count), tokensPerPass: Self.tokensPerPass)
        let capacity = batches.map { $0.reduce(0) { $0 + sequences[$1].count } }.max() ?? 0
        let longest = sequences.map(\.count).max() ?? 1
        let workers = max(1, threads)
        let workspace = ForwardWorkspace(capacity: capacity, longest: longest, config: config, workers: workers)
        let pass = ForwardPass(config: config, weights: weights, threads: workers, pooledLayers: pooledLayers)
        var out = [[Float]](repeating: [], count: sequences.count)
        for batch in batches {
            for (i, v) in zip(batch, pass.run(batch.map { sequences[$0] }, workspace: workspace)) { out[i] = v }
        }
        return out
    }

    /// Consecutive groups of indices whose lengths sum to at most `tokensPerPass` (a longer
    /// sequence is a group of its own).
    static func batches(_ lengths: [Int], tokensPerPass: Int) -> [[Int]] {
        var groups: [[Int]] = [], current: [Int] = [], tokens = 0
        for (i, n) in lengths.enumerated() {
            if !current.isEmpty && tokens + n > tokensPerPass { groups.append(current); current = []; tokens = 0 }
            current.append(i)
            tokens += n
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    private func clampedLength(_ maxTokens: Int) -> Int { min(max(2, maxTokens), config.maxPositions) }

    /// Multiply-adds ×2 of one forward pass over a text of `tokens` tokens: the linear layers
    /// (2·tokens·weights) plus attention (2 · 2·tokens²·hidden per layer).
    public func flops(tokens: Int) -> Double {
        let c = config, n = Double(tokens), h = Double(c.hiddenSize)
        let linear = 2 * n * (4 * h * h + 2 * h * Double(c.intermediateSize))
        let attention = 4 * n * n * h
        return Double(c.layers) * (linear + attention)
    }
}
