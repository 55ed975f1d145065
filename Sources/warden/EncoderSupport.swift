import Classifier
import Foundation

/// Loads the precise tier's sentence encoder (MiniLM) from `dir`, `$WARDEN_ENCODER_DIR` or `./var/encoder`.
func loadSentenceEncoder(_ dir: String?) throws -> any SentenceEmbedding {
    throw ValidationErrorText("the sentence encoder module is not merged yet")
}

/// Loads the precise tier: its model file (default `Models/warden-precise.bin`) and the encoder.
func loadPreciseClassifier(model: String?, encoder: String?) throws -> PreciseClassifier {
    let path = model ?? "Models/\(PreciseTraining.defaultFileName)"
    let clf = try ContentClassifier.load(contentsOf: URL(fileURLWithPath: path))
    return try PreciseClassifier(model: clf, encoder: loadSentenceEncoder(encoder))
}

struct ValidationErrorText: Error, CustomStringConvertible {
    var description: String
    init(_ s: String) { description = s }
}
