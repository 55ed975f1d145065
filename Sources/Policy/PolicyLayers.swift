import Foundation
import WardenCore

/// A rule per direction for one category. A missing direction means "not set at this layer".
public struct DirectionalRules: Codable, Sendable, Hashable {
    public var input: PolicyRule?
    public var output: PolicyRule?

    public init(input: PolicyRule? = nil, output: PolicyRule? = nil) {
        self.input = input
        self.output = output
    }

    /// The same rule for both directions.
    public static func both(_ rule: PolicyRule) -> DirectionalRules { .init(input: rule, output: rule) }

    public subscript(direction: PolicyDirection) -> PolicyRule? {
        get { direction == .input ? input : output }
        set { if direction == .input { input = newValue } else { output = newValue } }
    }
}

/// The platform's hard bound for one category: per direction the LOOSEST rule any app may have,
/// and whether apps may touch the category at all.
///
/// ```swift
/// CategoryBound(locked: true, rules: .both(PolicyRule(blockAt: 0.3)))   // sexual/minors
/// ```
public struct CategoryBound: Codable, Sendable, Hashable {
    /// No app may set any rule for this category.
    public var locked: Bool
    /// Per direction the loosest allowed rule; nil: apps may go as loose as they like.
    public var rules: DirectionalRules

    public init(locked: Bool = false, rules: DirectionalRules = .init()) {
        self.locked = locked
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey { case locked, input, output }

    /// Same shape as in `policy.yaml`: `{"locked": true, "input": {...}, "output": {...}}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        locked = try c.decodeIfPresent(Bool.self, forKey: .locked) ?? false
        rules = DirectionalRules(input: try c.decodeIfPresent(PolicyRule.self, forKey: .input),
                                 output: try c.decodeIfPresent(PolicyRule.self, forKey: .output))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(locked, forKey: .locked)
        try c.encodeIfPresent(rules.input, forKey: .input)
        try c.encodeIfPresent(rules.output, forKey: .output)
    }
}

/// Layer 1: hard bounds, per category. Nothing below can loosen them.
public struct HardBounds: Codable, Sendable, Hashable {
    public var categories: PerCategory<CategoryBound>
    public init(_ categories: PerCategory<CategoryBound> = .init()) { self.categories = categories }

    /// Same shape as in `policy.yaml`: an object keyed by category.
    public init(from decoder: any Decoder) throws { categories = try PerCategory(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try categories.encode(to: encoder) }

    public subscript(category: ModerationCategory) -> CategoryBound? { categories[category] }

    /// The loosest rule allowed for a category and direction, nil if unbounded.
    public func rule(_ category: ModerationCategory, _ direction: PolicyDirection) -> PolicyRule? {
        categories[category]?.rules[direction]
    }
}

/// Layer 2: the platform defaults.
public struct PlatformDefaults: Codable, Sendable, Hashable {
    public var rules: PerCategory<DirectionalRules>
    /// Prepended to every request's messages (as a `system` message); nil: none.
    public var systemMessage: String?
    public var refusals: RefusalTemplates
    public var inputScreening: InputScreening
    public var streaming: StreamScreening
    public var outputCap: OutputCap

    public init(
        rules: PerCategory<DirectionalRules> = .init(),
        systemMessage: String? = nil,
        refusals: RefusalTemplates = .init(),
        inputScreening: InputScreening = .init(),
        streaming: StreamScreening = .init(),
        outputCap: OutputCap = .init()
    ) {
        self.rules = rules
        self.systemMessage = systemMessage
        self.refusals = refusals
        self.inputScreening = inputScreening
        self.streaming = streaming
        self.outputCap = outputCap
    }

    enum CodingKeys: String, CodingKey {
        case rules
        case systemMessage = "system_message"
        case refusals
        case inputScreening = "input_screening"
        case streaming
        case outputCap = "output_cap"
    }
}

/// The platform document (`policy.yaml`): hard bounds and defaults.
public struct PlatformPolicy: Codable, Sendable, Hashable {
    public var bounds: HardBounds
    public var defaults: PlatformDefaults

    public init(bounds: HardBounds = .init(), defaults: PlatformDefaults = .init()) {
        self.bounds = bounds
        self.defaults = defaults
    }
}

/// Layer 3: one app's customization, validated against the bounds (`PolicyValidator`).
///
/// ```swift
/// var app = AppPolicy()
/// app.rules[.selfHarm] = .both(PolicyRule(flagAt: 0.5, blockAt: 0.95))   // a clinical app
/// app.blockLists.output.terms = ["acme rival"]
/// ```
public struct AppPolicy: Codable, Sendable, Hashable {
    /// Rules that replace the defaults for a category and direction (a rule given is the whole rule).
    public var rules: PerCategory<DirectionalRules>
    /// Added after the platform's system message.
    public var systemMessage: String?
    public var blockLists: DirectionalBlockLists
    /// Only tighter than the platform's cap (`max_output_tokens` lower or equal).
    public var outputCap: OutputCap?
    /// Ask the second-opinion screener for texts in the uncertain band (the gateway decides how).
    public var secondOpinion: Bool

    public init(
        rules: PerCategory<DirectionalRules> = .init(),
        systemMessage: String? = nil,
        blockLists: DirectionalBlockLists = .init(),
        outputCap: OutputCap? = nil,
        secondOpinion: Bool = false
    ) {
        self.rules = rules
        self.systemMessage = systemMessage
        self.blockLists = blockLists
        self.outputCap = outputCap
        self.secondOpinion = secondOpinion
    }

    enum CodingKeys: String, CodingKey {
        case rules
        case systemMessage = "system_message"
        case blockLists = "block_lists"
        case outputCap = "output_cap"
        case secondOpinion = "second_opinion"
    }
}
