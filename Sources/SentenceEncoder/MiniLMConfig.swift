import Foundation

/// The BERT hyper-parameters the encoder reads from `config.json` (Hugging Face names); every
/// field defaults to all-MiniLM-L6-v2's value, so the file is optional.
///
/// ```swift
/// let config = try MiniLMConfig.load(contentsOf: dir.appendingPathComponent("config.json"))
/// config.hiddenSize   // 384
/// ```
public struct MiniLMConfig: Sendable, Equatable, Decodable {
    public var hiddenSize = 384
    public var layers = 6
    public var heads = 12
    public var intermediateSize = 1536
    public var maxPositions = 512
    public var vocabularySize = 30522
    public var typeVocabularySize = 2
    public var layerNormEpsilon: Float = 1e-12
    public var hiddenActivation = "gelu"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", layers = "num_hidden_layers", heads = "num_attention_heads"
        case intermediateSize = "intermediate_size", maxPositions = "max_position_embeddings"
        case vocabularySize = "vocab_size", typeVocabularySize = "type_vocab_size"
        case layerNormEpsilon = "layer_norm_eps", hiddenActivation = "hidden_act"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MiniLMConfig()
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? d.hiddenSize
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? d.layers
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? d.intermediateSize
        maxPositions = try c.decodeIfPresent(Int.self, forKey: .maxPositions) ?? d.maxPositions
        vocabularySize = try c.decodeIfPresent(Int.self, forKey: .vocabularySize) ?? d.vocabularySize
        typeVocabularySize = try c.decodeIfPresent(Int.self, forKey: .typeVocabularySize) ?? d.typeVocabularySize
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? d.layerNormEpsilon
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hiddenActivation) ?? d.hiddenActivation
    }

    /// Reads and checks `config.json`; throws `EncoderFileError` naming the file and the field.
    public static func load(contentsOf url: URL) throws -> MiniLMConfig {
        let data: Data
        do { data = try Data(contentsOf: url) }
        catch { throw EncoderFileError(path: url.path, reason: "cannot be read (\(error.localizedDescription))") }
        let config: MiniLMConfig
        do { config = try JSONDecoder().decode(MiniLMConfig.self, from: data) }
        catch { throw EncoderFileError(path: url.path, reason: "is not a valid BERT config: \(error)") }
        try config.validate(path: url.path)
        return config
    }

    /// What the forward pass supports: erf GELU, whole heads, positive sizes.
    public func validate(path: String) throws {
        func fail(_ reason: String) -> EncoderFileError { EncoderFileError(path: path, reason: reason) }
        guard hiddenActivation == "gelu" else { throw fail("has hidden_act \"\(hiddenActivation)\"; only \"gelu\" (erf form) is supported") }
        guard hiddenSize > 0, layers > 0, heads > 0, intermediateSize > 0, maxPositions > 1, vocabularySize > 0, typeVocabularySize > 0 else {
            throw fail("has a non-positive size")
        }
        guard hiddenSize % heads == 0 else { throw fail("has hidden_size \(hiddenSize) not divisible by num_attention_heads \(heads)") }
    }

    public var headSize: Int { hiddenSize / heads }
}
