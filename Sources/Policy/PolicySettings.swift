import Foundation
import WardenCore

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
