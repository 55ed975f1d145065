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

    /// Scores the request's messages as the input-screening scope says and decides.
    /// Block lists are checked on every screened message, unweighted.
    public func screenInput(_ messages: [ChatText], classifier: any TextClassifying) -> PolicyDecision {
        let plan = InputScreenPlan(messages: messages, screening: effective.inputScreening)
        let scores = plan.combine(plan.targets.map { classifier.moderate($0.text).categoryScores })
        let hits = plan.targets.flatMap { inputBlockList.hits(in: $0.text) }
        return PolicyDecider.decide(effective, direction: .input, scores: scores, blockListHits: unique(hits))
    }

    /// Scores a completion (or a streaming window of it) and decides.
    public func screenOutput(_ text: String, classifier: any TextClassifying) -> PolicyDecision {
        PolicyDecider.decide(effective, direction: .output, scores: classifier.moderate(text).categoryScores,
                             blockListHits: outputBlockList.hits(in: text))
    }

    /// A fresh cadence for one streamed completion.
    public func streamCadence() -> StreamScreenCadence { StreamScreenCadence(effective.streaming) }

    private func unique(_ hits: [BlockListHit]) -> [BlockListHit] {
        var seen = Set<String>()
        return hits.filter { seen.insert($0.kind.rawValue + "\u{0}" + $0.pattern).inserted }
    }
}
