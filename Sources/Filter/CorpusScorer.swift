import Classifier
import WardenCore

/// Scores a normalized text on the 8 categories (`ModerationCategory.allCases` order). The filter
/// depends on this protocol only; `ContentClassifier` conforms, tests inject stubs.
///
/// ```swift
/// let scorer: any CorpusScorer = try ContentClassifier.bundled()
/// let s = scorer.scores(TextNormalizer.normalize("text"))   // 8 values in [0, 1]
/// ```
public protocol CorpusScorer: Sendable {
    var scorerName: String { get }
    /// The scorer's own operating points (used when no threshold is given).
    var defaultThresholds: [ModerationCategory: Double] { get }
    func scores(_ text: NormalizedText) -> [Double]
}

extension ContentClassifier: CorpusScorer {
    public var scorerName: String { modelName }
    public var defaultThresholds: [ModerationCategory: Double] { thresholds }
    public func scores(_ text: NormalizedText) -> [Double] { scores(normalized: text).categories }
}
