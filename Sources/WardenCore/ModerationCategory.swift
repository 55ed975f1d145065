/// The eight categories of the public moderation taxonomy, named exactly as the OpenAI
/// `/v1/moderations` API names them, so existing clients work unchanged.
///
/// ```swift
/// let c = ModerationCategory(rawValue: "hate/threatening")   // .hateThreatening
/// print(c!.rawValue)                                           // "hate/threatening"
/// ```
public enum ModerationCategory: String, CaseIterable, Codable, Sendable, Hashable, Comparable {
    case sexual = "sexual"
    case sexualMinors = "sexual/minors"
    case hate = "hate"
    case hateThreatening = "hate/threatening"
    case harassment = "harassment"
    case selfHarm = "self-harm"
    case violence = "violence"
    case violenceGraphic = "violence/graphic"

    /// Stable position of the category (the order above); used to index score vectors.
    public var index: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.index < rhs.index }
}

/// One text's verdict in the shape of a `/v1/moderations` result.
///
/// ```swift
/// let r = ModerationResult(scores: [.hate: 0.91], thresholds: [.hate: 0.5])
/// r.flagged                 // true
/// r.categories[.hate]       // true
/// ```
public struct ModerationResult: Sendable, Equatable {
    /// Calibrated probability per category, in [0, 1]; every category is present.
    public var categoryScores: [ModerationCategory: Double]
    /// Whether each category's score reached its threshold; every category is present.
    public var categories: [ModerationCategory: Bool]
    /// True when any category is flagged.
    public var flagged: Bool { categories.values.contains(true) }

    public init(categoryScores: [ModerationCategory: Double], categories: [ModerationCategory: Bool]) {
        var scores = categoryScores
        var flags = categories
        for c in ModerationCategory.allCases {
            if scores[c] == nil { scores[c] = 0 }
            if flags[c] == nil { flags[c] = false }
        }
        self.categoryScores = scores
        self.categories = flags
    }

    /// Builds a result by comparing each score with its threshold (missing threshold: 0.5).
    public init(scores: [ModerationCategory: Double], thresholds: [ModerationCategory: Double]) {
        var flags: [ModerationCategory: Bool] = [:]
        for c in ModerationCategory.allCases {
            flags[c] = (scores[c] ?? 0) >= (thresholds[c] ?? 0.5)
        }
        self.init(categoryScores: scores, categories: flags)
    }
}
