import WardenCore

/// One message of a chat request, as far as screening cares: its role and its text
/// (for multi-part contents, the text parts joined with newlines).
public struct ChatText: Sendable, Hashable {
    public var role: String
    public var text: String
    public init(role: String, text: String) {
        self.role = role
        self.text = text
    }
}

/// Which texts of a request to score on input and how to combine their scores.
/// Combination: per category, the maximum over screened messages of `weight × score`, where the
/// last user message weighs 1 and the others `InputScreening.otherMessageWeight`.
///
/// ```swift
/// let plan = InputScreenPlan(messages: msgs, screening: effective.inputScreening)
/// let perMessage = plan.targets.map { classifier.moderate($0.text).categoryScores }
/// let scores = plan.combine(perMessage)   // → PolicyDecider.decide(..., .input, scores: scores)
/// ```
/// With scope `last_user` and no user message, the last message is screened (a request is never
/// forwarded unscreened because it lacks a user turn). Empty texts are skipped.
public struct InputScreenPlan: Sendable, Equatable {
    public struct Target: Sendable, Hashable {
        /// Index in the request's `messages`.
        public var messageIndex: Int
        public var text: String
        public var weight: Double
    }

    public let targets: [Target]

    public init(messages: [ChatText], screening: InputScreening) {
        let lastUser = messages.lastIndex { $0.role == "user" }
        let chosen: [Int]
        switch screening.scope {
        case .all: chosen = Array(messages.indices)
        case .user: chosen = messages.indices.filter { messages[$0].role == "user" }
        case .lastUser: chosen = (lastUser ?? messages.indices.last).map { [$0] } ?? []
        }
        let primary = lastUser ?? messages.indices.last
        targets = chosen.compactMap { i in
            guard !messages[i].text.isEmpty else { return nil }
            return Target(messageIndex: i, text: messages[i].text, weight: i == primary ? 1 : screening.otherMessageWeight)
        }
    }

    /// Per category, the max over targets of `weight × score`; `perTarget[i]` are the scores of
    /// `targets[i]`. Categories never scored are 0.
    public func combine(_ perTarget: [[ModerationCategory: Double]]) -> [ModerationCategory: Double] {
        precondition(perTarget.count == targets.count, "one score vector per target")
        var out: [ModerationCategory: Double] = [:]
        for c in ModerationCategory.allCases { out[c] = 0 }
        for (target, scores) in zip(targets, perTarget) {
            for (c, s) in scores { out[c] = max(out[c] ?? 0, s * target.weight) }
        }
        return out
    }
}
