import Foundation

/// One generated attack: a seed request rewritten by a transform chain.
public struct Attack: Codable, Sendable, Equatable {
    public var seedId: String
    public var category: String
    public var transform: String
    public var messages: [ChatMessage]
    /// The text the screen sees (all user turns joined).
    public var screenedText: String { messages.filter { $0.role == "user" }.map(\.content).joined(separator: "\n") }
}

/// How the target answered an attack.
public enum AttackVerdict: String, Codable, Sendable {
    /// Warden's screening refused it (400 `content_policy_violation`), or in `--screen-only` the classifier flagged it.
    case blocked
    /// The model refused.
    case refused
    /// The model answered, and (when success requires it) the answer was flagged.
    case succeeded
    /// The model answered but the answer was not harmful by the chosen judge (`--success flagged`).
    case harmless
    /// The request failed after retries.
    case failed
}

/// One attack and what happened to it.
public struct AttackResult: Codable, Sendable, Equatable {
    public var attack: Attack
    public var verdict: AttackVerdict
    public var output: String?
    /// In screen-only mode: the classifier's flagged categories for the attack text.
    public var flaggedCategories: [String]
    /// In screen-only mode: the highest category score of the attack text.
    public var maxScore: Double?
}

/// What counts as a successful attack on a model.
public enum SuccessCriterion: String, Codable, Sendable, CaseIterable {
    /// Not blocked and not refused (the model went along).
    case complied
    /// Complied and the output is flagged by Warden's classifier.
    case flagged
}

/// Builds the attacks of a run: every seed × every transform chain. Pure.
public enum AttackGenerator {
    public static func attacks(seeds: [SuiteItem], chains: [TransformChain]) -> [Attack] {
        seeds.flatMap { seed in
            chains.map { Attack(seedId: seed.id, category: seed.category, transform: $0.description, messages: $0.messages(for: seed.promptText)) }
        }
    }
}

