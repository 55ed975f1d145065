import Classifier
import Foundation
import SentenceEncoder

/// The MiniLM encoder as the precise tier's `SentenceEmbedding`, with its worker threads fixed.
struct MiniLMEmbedding: SentenceEmbedding {
    let encoder: MiniLMEncoder
    let threads: Int

    var dimension: Int { encoder.dimension }

    func embed(_ texts: [String], maxTokens: Int) -> [[Float]] {
        encoder.embed(texts, maxTokens: maxTokens, threads: threads)
    }
}

/// Loads the precise tier's sentence encoder (MiniLM) from `dir`, or `MiniLMEncoder.locate()`'s
/// answer (`$WARDEN_ENCODER_DIR`, `./var/encoder`, next to the executable).
func loadSentenceEncoder(_ dir: String?, threads: Int = min(2, ProcessInfo.processInfo.activeProcessorCount)) throws -> any SentenceEmbedding {
    let url = try dir.map { URL(fileURLWithPath: $0) } ?? MiniLMEncoder.locate()
    return MiniLMEmbedding(encoder: try MiniLMEncoder.load(directory: url), threads: threads)
}

/// Loads the precise tier: its model file (default `Models/warden-precise.bin`, found like the
/// fast tier's) and the encoder.
func loadPreciseClassifier(model: String?, encoder: String?) throws -> PreciseClassifier {
    let clf = try model.map { try ContentClassifier.load(contentsOf: URL(fileURLWithPath: $0)) }
        ?? ContentClassifier.bundled(fileName: PreciseTraining.defaultFileName)
    return try PreciseClassifier(model: clf, encoder: loadSentenceEncoder(encoder))
}
