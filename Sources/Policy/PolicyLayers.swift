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

/// Which messages of a chat request are screened on input, and how much the others weigh.
///
/// `weight` multiplies the scores of every screened message other than the last user message
/// (1 = as much as the last user message, 0 = ignored).
public struct InputScreening: Codable, Sendable, Hashable {
    public enum Scope: String, Codable, Sendable, Hashable, CaseIterable {
        /// Every message: system, user, assistant, tool.
        case all
        /// Messages with role `user` only.
        case user
        /// Only the last user message (the last message if there is no user message).
        case lastUser = "last_user"
    }

    public var scope: Scope
    public var otherMessageWeight: Double

    public init(scope: Scope = .all, otherMessageWeight: Double = 1) {
        self.scope = scope
        self.otherMessageWeight = otherMessageWeight
    }

    enum CodingKeys: String, CodingKey {
        case scope
        case otherMessageWeight = "other_message_weight"
    }
}

/// How often a streamed completion is re-scored (see `StreamScreenCadence`).
public struct StreamScreening: Codable, Sendable, Hashable {
    /// Re-score after at most this many characters since the last scoring; nil: no character budget.
    public var rescoreEveryChars: Int?
    /// Also re-score at the end of a chunk that completed a sentence.
    public var rescoreAtSentenceEnd: Bool
    /// Characters of the text so far that each scoring sees (a sliding window ending at the cut).
    public var windowChars: Int

    public init(rescoreEveryChars: Int? = 200, rescoreAtSentenceEnd: Bool = true, windowChars: Int = 1000) {
        self.rescoreEveryChars = rescoreEveryChars
        self.rescoreAtSentenceEnd = rescoreAtSentenceEnd
        self.windowChars = windowChars
    }

    enum CodingKeys: String, CodingKey {
        case rescoreEveryChars = "rescore_every_chars"
        case rescoreAtSentenceEnd = "rescore_at_sentence_end"
        case windowChars = "window_chars"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rescoreEveryChars = try c.decodeIfPresent(Int.self, forKey: .rescoreEveryChars)
        rescoreAtSentenceEnd = try c.decode(Bool.self, forKey: .rescoreAtSentenceEnd)
        windowChars = try c.decode(Int.self, forKey: .windowChars)
    }

    /// Writes `rescore_every_chars: null` explicitly (absent would mean the default, 200).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rescoreEveryChars, forKey: .rescoreEveryChars)
        try c.encode(rescoreAtSentenceEnd, forKey: .rescoreAtSentenceEnd)
        try c.encode(windowChars, forKey: .windowChars)
    }
}

/// The largest completion a request may ask for, and what happens to a request above it.
///
/// ```swift
/// let cap = OutputCap(maxOutputTokens: 1024, overCap: .clamp)
/// cap.apply(requested: 4000)   // .clamped(to: 1024)
/// cap.apply(requested: nil)    // .clamped(to: 1024): an unbounded request gets the cap
/// ```
public struct OutputCap: Codable, Sendable, Hashable {
    public enum OverCap: String, Codable, Sendable, Hashable, CaseIterable {
        /// Lower the request's `max_tokens` to the cap.
        case clamp
        /// Refuse the request (400).
        case reject
    }

    /// nil: no cap.
    public var maxOutputTokens: Int?
    public var overCap: OverCap

    public init(maxOutputTokens: Int? = nil, overCap: OverCap = .clamp) {
        self.maxOutputTokens = maxOutputTokens
        self.overCap = overCap
    }

    enum CodingKeys: String, CodingKey {
        case maxOutputTokens = "max_output_tokens"
        case overCap = "over_cap"
    }

    /// What to do with a request's `max_tokens` (or `max_completion_tokens`).
    public enum Outcome: Sendable, Equatable {
        /// Forward unchanged.
        case unchanged
        /// Forward with `max_tokens` set to this value.
        case clamped(to: Int)
        /// Refuse: the request asked for more than the cap.
        case rejected(cap: Int, requested: Int)
    }

    public func apply(requested: Int?) -> Outcome {
        guard let cap = maxOutputTokens else { return .unchanged }
        guard let requested else { return .clamped(to: cap) }
        if requested <= cap { return .unchanged }
        return overCap == .clamp ? .clamped(to: cap) : .rejected(cap: cap, requested: requested)
    }
}

/// Message templates for refusals. Placeholders: `{categories}` (comma-separated names of the
/// categories that triggered, or "custom block list"), `{policy_version}`.
///
/// ```swift
/// RefusalTemplates().renderInputBlock(categories: ["hate"], policyVersion: "3")
/// ```
public struct RefusalTemplates: Codable, Sendable, Hashable {
    /// The `message` of the 400 `content_policy_violation` error for a blocked prompt.
    public var inputBlock: String
    /// The text that replaces a blocked completion.
    public var outputRefusal: String

    public static let placeholders = ["{categories}", "{policy_version}"]

    public init(
        inputBlock: String = "Your request was blocked by the content policy ({categories}). See /policy for the rules.",
        outputRefusal: String = "I can't help with that: the response was withheld by the content policy ({categories})."
    ) {
        self.inputBlock = inputBlock
        self.outputRefusal = outputRefusal
    }

    enum CodingKeys: String, CodingKey {
        case inputBlock = "input_block"
        case outputRefusal = "output_refusal"
    }

    public func renderInputBlock(categories: [String], policyVersion: String) -> String {
        Self.render(inputBlock, categories: categories, policyVersion: policyVersion)
    }

    public func renderOutputRefusal(categories: [String], policyVersion: String) -> String {
        Self.render(outputRefusal, categories: categories, policyVersion: policyVersion)
    }

    static func render(_ template: String, categories: [String], policyVersion: String) -> String {
        template
            .replacingOccurrences(of: "{categories}", with: categories.isEmpty ? "policy" : categories.joined(separator: ", "))
            .replacingOccurrences(of: "{policy_version}", with: policyVersion)
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

/// Terms and regular expressions an app blocks in one direction.
/// Terms match case-insensitively on word boundaries; regexes are validated when loaded.
public struct BlockListSpec: Codable, Sendable, Hashable {
    public var terms: [String]
    public var regexes: [String]

    public init(terms: [String] = [], regexes: [String] = []) {
        self.terms = terms
        self.regexes = regexes
    }

    public var isEmpty: Bool { terms.isEmpty && regexes.isEmpty }
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

/// Block lists for input and output.
public struct DirectionalBlockLists: Codable, Sendable, Hashable {
    public var input: BlockListSpec
    public var output: BlockListSpec

    public init(input: BlockListSpec = .init(), output: BlockListSpec = .init()) {
        self.input = input
        self.output = output
    }

    public subscript(direction: PolicyDirection) -> BlockListSpec {
        direction == .input ? input : output
    }
}
