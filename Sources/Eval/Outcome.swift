/// What happened to one sample (one item, one sample index): the output and its verdicts.
/// Stored per sample in the report, so metrics can be recomputed and runs compared.
public struct SampleOutcome: Codable, Sendable, Equatable {
    public var itemId: String
    public var sample: Int
    public var output: String
    /// The gateway's screening refused the request (400 `content_policy_violation`).
    public var blocked: Bool
    /// Classifier score per category name (`hate`, `violence`, …).
    public var scores: [String: Double]
    /// Categories flagged at the shipped thresholds.
    public var flaggedCategories: [String]
    public var refusal: RefusalMethod
    /// Types of the constraint rules the output broke (`follow` items).
    public var constraintFailures: [String]

    public init(itemId: String, sample: Int, output: String, blocked: Bool = false, scores: [String: Double] = [:],
                flaggedCategories: [String] = [], refusal: RefusalMethod = .none, constraintFailures: [String] = []) {
        self.itemId = itemId
        self.sample = sample
        self.output = output
        self.blocked = blocked
        self.scores = scores
        self.flaggedCategories = flaggedCategories
        self.refusal = refusal
        self.constraintFailures = constraintFailures
    }

    public var flagged: Bool { !flaggedCategories.isEmpty }
    public var refused: Bool { refusal != .none }
    /// Toxicity of the output: the highest category score.
    public var toxicity: Double { scores.values.max() ?? 0 }
}
