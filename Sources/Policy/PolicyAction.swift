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

/// A value per moderation category, encoded as a JSON/YAML object keyed by the public category
/// names (`"sexual/minors"`). Missing categories are simply absent.
///
/// ```swift
/// var t = PerCategory<Double>()
/// t[.hate] = 0.7
/// t[.hate]            // 0.7
/// ```
public struct PerCategory<Value> {
    public private(set) var values: [ModerationCategory: Value]

    public init(_ values: [ModerationCategory: Value] = [:]) { self.values = values }

    public subscript(category: ModerationCategory) -> Value? {
        get { values[category] }
        set { values[category] = newValue }
    }

    /// Present entries in the taxonomy's order.
    public var sorted: [(category: ModerationCategory, value: Value)] {
        ModerationCategory.allCases.compactMap { c in values[c].map { (c, $0) } }
    }

    public var isEmpty: Bool { values.isEmpty }
}

extension PerCategory: Sendable where Value: Sendable {}
extension PerCategory: Equatable where Value: Equatable {}
extension PerCategory: Hashable where Value: Hashable {}

extension PerCategory: Codable where Value: Codable {
    public init(from decoder: any Decoder) throws {
        let raw = try [String: Value](from: decoder)
        var values: [ModerationCategory: Value] = [:]
        for (name, value) in raw {
            guard let c = ModerationCategory(rawValue: name) else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown category '\(name)'"))
            }
            values[c] = value
        }
        self.values = values
    }

    public func encode(to encoder: any Encoder) throws {
        var raw: [String: Value] = [:]
        for (c, v) in values { raw[c.rawValue] = v }
        try raw.encode(to: encoder)
    }
}
