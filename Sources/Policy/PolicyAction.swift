import WardenCore

/// What a policy does with a text, ordered by strictness: `allow` < `flag` < `block`.
/// `flag` lets the text through and records it for review.
///
/// ```swift
/// max(PolicyAction.flag, .block)   // .block
/// ```
public enum PolicyAction: String, Codable, Sendable, Hashable, Comparable, CaseIterable {
    case allow, flag, block

    private var strictness: Int {
        switch self {
        case .allow: 0
        case .flag: 1
        case .block: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.strictness < rhs.strictness }
}

/// Which side of a model call a text is on: the prompt (`input`) or the completion (`output`).
public enum PolicyDirection: String, Codable, Sendable, Hashable, CaseIterable {
    case input, output
}

/// The layer an effective rule (or a decision) comes from.
/// `bound`: the platform's hard bound (a locked category, a category without default, or an app
/// rule clamped to the bound); `default`: the platform default; `app`: the app's customization.
public enum PolicyLayer: String, Codable, Sendable, Hashable, CaseIterable {
    case bound
    case `default` = "default"
    case app
}
