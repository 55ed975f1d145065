import Classifier
import Foundation

/// The MiniLM encoder as the precise tier's `SentenceEmbedding`, with its worker threads fixed.
/// (`Classifier` stays free of the encoder's C kernels; this module brings the two together.)
///
/// ```swift
/// let precise = try PreciseClassifier(model: .bundled(fileName: "warden-precise.bin"), encoder: loadSentenceEncoder(nil))
/// ```
public struct MiniLMEmbedding: SentenceEmbedding {
    public let encoder: MiniLMEncoder
    public let threads: Int

    public init(encoder: MiniLMEncoder, threads: Int) {
        self.encoder = encoder
        self.threads = threads
    }

    public var dimension: Int { encoder.dimension }

    public func embed(_ texts: [String], maxTokens: Int) -> [[Float]] {
        encoder.embed(texts, maxTokens: maxTokens, threads: threads)
    }
}

/// Loads the precise tier's sentence encoder (MiniLM) from `dir`, or `MiniLMEncoder.locate()`'s
/// answer (`$WARDEN_ENCODER_DIR`, `./var/encoder`, next to the executable).
/// `layers` picks the pooled layers (nil: the last, as sentence-transformers; a model file names its
/// own in `ModelHeader.encoderLayers`).
public func loadSentenceEncoder(_ dir: String?, layers: [Int]? = nil,
                                threads: Int = min(2, ProcessInfo.processInfo.activeProcessorCount)) throws -> any SentenceEmbedding {
    let url = try dir.map { URL(fileURLWithPath: $0) } ?? MiniLMEncoder.locate()
    let encoder = try MiniLMEncoder.load(directory: url)
    return MiniLMEmbedding(encoder: try encoder.validPooling(layers: layers), threads: threads)
}

/// Pooled layers the encoder does not have.
public struct EncoderLayersError: Error, CustomStringConvertible, Equatable {
    public var layers: [Int]
    public var available: Int
    public var description: String { "encoder layers \(layers): the encoder has layers 1…\(available), to be listed in ascending order" }
}

/// Loads the precise tier: its model file (default `Models/warden-precise.bin`, found like the
/// fast tier's) and the encoder.
public func loadPreciseClassifier(model: String?, encoder: String?) throws -> PreciseClassifier {
    let clf = try model.map { try ContentClassifier.load(contentsOf: URL(fileURLWithPath: $0)) }
        ?? ContentClassifier.bundled(fileName: PreciseTraining.defaultFileName)
    return try PreciseClassifier(model: clf, encoder: loadSentenceEncoder(encoder, layers: clf.header.encoderLayers))
}
