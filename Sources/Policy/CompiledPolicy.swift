import WardenCore

/// An effective policy with its block lists compiled: what the gateway keeps in memory per app
/// and calls on the hot path. Screening functions are pure given the classifier.
///
/// ```swift
/// let policy = try CompiledPolicy(PolicyResolver.resolve(bounds: b, defaults: d, app: app))
/// let decision = policy.screenInput(messages, classifier: classifier)
/// if decision.action == .block { throw ... policy.effective.refusals.renderInputBlock(...) }
/// var cadence = policy.streamCadence()
/// ```
public struct CompiledPolicy: Sendable {
    public let effective: EffectivePolicy
    public let inputBlockList: BlockListMatcher
    public let outputBlockList: BlockListMatcher

    /// Throws `PolicyValidationError` for a regex that does not compile.
    public init(_ effective: EffectivePolicy) throws {
        self.effective = effective
        inputBlockList = try BlockListMatcher(effective.blockLists.input)
        outputBlockList = try BlockListMatcher(effective.blockLists.output)
    }

    /// How close (either side) a score must be to one of the app's flag or block thresholds for
    /// its second opinion to be asked.
    public static let secondOpinionMargin = 0.15

    /// True when screening under this policy may ask `secondOpinion` (the app asked for it and
    /// the gateway has one).
    public func asksSecondOpinion(_ secondOpinion: (any TextClassifying)?) -> Bool {
        effective.secondOpinion && secondOpinion != nil
    }

    /// Scores the request's messages as the input-screening scope says and decides.
    /// Block lists are checked on every screened message, unweighted. With the app's
    /// `second_opinion` on, a message whose scores are near one of its thresholds is scored
    /// again by `secondOpinion` (the precise tier), whose scores then count.
    public func screenInput(_ messages: [ChatText], classifier: any TextClassifying,
                            secondOpinion: (any TextClassifying)? = nil) -> PolicyDecision {
        let plan = InputScreenPlan(messages: messages, screening: effective.inputScreening)
        var asked: String?
        let scores = plan.combine(plan.targets.map { score($0.text, .input, classifier, secondOpinion, &asked) })
        let hits = plan.targets.flatMap { inputBlockList.hits(in: $0.text) }
        var decision = PolicyDecider.decide(effective, direction: .input, scores: scores, blockListHits: unique(hits))
        decision.secondOpinion = asked
        return decision
    }

    /// Scores a completion (or a streaming window of it) and decides, asking the second opinion
    /// as `screenInput` does.
    public func screenOutput(_ text: String, classifier: any TextClassifying,
                             secondOpinion: (any TextClassifying)? = nil) -> PolicyDecision {
        var asked: String?
        let scores = score(text, .output, classifier, secondOpinion, &asked)
        var decision = PolicyDecider.decide(effective, direction: .output, scores: scores, blockListHits: outputBlockList.hits(in: text))
        decision.secondOpinion = asked
        return decision
    }

    /// The classifier's scores, or the second opinion's when the app asks for one and the first
    /// scores are in the uncertain band of this policy's rules (`asked` names its model).
    private func score(_ text: String, _ direction: PolicyDirection, _ classifier: any TextClassifying,
                       _ secondOpinion: (any TextClassifying)?, _ asked: inout String?) -> [ModerationCategory: Double] {
        let first = classifier.moderate(text).categoryScores
        guard effective.secondOpinion, let secondOpinion,
              !PolicyDecider.uncertainCategories(effective, direction: direction, scores: first, margin: Self.secondOpinionMargin).isEmpty
        else { return first }
        asked = secondOpinion.modelName
        return secondOpinion.moderate(text).categoryScores
    }

    /// A fresh cadence for one streamed completion.
    public func streamCadence() -> StreamScreenCadence { StreamScreenCadence(effective.streaming) }

    private func unique(_ hits: [BlockListHit]) -> [BlockListHit] {
        var seen = Set<String>()
        return hits.filter { seen.insert($0.kind.rawValue + "\u{0}" + $0.pattern).inserted }
    }
}
