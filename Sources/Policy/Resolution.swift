import WardenCore

/// The rule that applies to one category and direction after layering, and where it came from.
public struct EffectiveRule: Codable, Sendable, Hashable {
    public var rule: PolicyRule
    public var layer: PolicyLayer
    /// The hard bound it is held to (nil: unbounded).
    public var bound: PolicyRule?

    public init(rule: PolicyRule, layer: PolicyLayer, bound: PolicyRule? = nil) {
        self.rule = rule
        self.layer = layer
        self.bound = bound
    }
}

/// The policy one app's requests are decided under: every category and direction has a rule.
/// Built by `PolicyResolver.resolve`; holds no compiled state (see `CompiledPolicy`).
public struct EffectivePolicy: Codable, Sendable, Hashable {
    /// `"<platform>"` or `"<platform>+app.<n>"`; recorded with every decision.
    public var version: String
    public var input: PerCategory<EffectiveRule>
    public var output: PerCategory<EffectiveRule>
    /// Platform system message then the app's, in that order (empty: none).
    public var systemMessages: [String]
    public var refusals: RefusalTemplates
    public var inputScreening: InputScreening
    public var streaming: StreamScreening
    public var outputCap: OutputCap
    public var blockLists: DirectionalBlockLists
    public var secondOpinion: Bool

    /// The effective rule for a category and direction (always present).
    public func rule(_ category: ModerationCategory, _ direction: PolicyDirection) -> EffectiveRule {
        (direction == .input ? input : output)[category] ?? EffectiveRule(rule: .allowAll, layer: .default)
    }
}

/// Versions of the documents a policy was resolved from.
public struct PolicyVersionTag: Sendable, Hashable {
    public var platform: Int
    public var app: Int?
    public init(platform: Int, app: Int? = nil) {
        self.platform = platform
        self.app = app
    }
    public var description: String { app.map { "\(platform)+app.\($0)" } ?? "\(platform)" }
}

/// Layering: bounds, defaults, app → effective policy. Pure and total.
///
/// ```swift
/// let effective = PolicyResolver.resolve(bounds: p.bounds, defaults: p.defaults, app: app,
///                                        version: .init(platform: 7, app: 2))
/// effective.rule(.hate, .input).layer   // .app, .default or .bound
/// ```
///
/// For each category and direction the candidate rule is the app's (unless the category is
/// locked), else the default's, else the bound itself, else allow-all. The candidate is then
/// tightened by the bound, so no effective rule is ever looser than the bounds, even for an app
/// policy that `PolicyValidator` would reject; a rule changed by that clamp is attributed to `bound`.
/// Output caps: the app's `max_output_tokens` applies only if lower than the platform's.
public enum PolicyResolver {
    public static func resolve(
        bounds: HardBounds,
        defaults: PlatformDefaults,
        app: AppPolicy? = nil,
        version: PolicyVersionTag = .init(platform: 0)
    ) -> EffectivePolicy {
        var input = PerCategory<EffectiveRule>()
        var output = PerCategory<EffectiveRule>()
        for category in ModerationCategory.allCases {
            input[category] = effectiveRule(category, .input, bounds, defaults, app)
            output[category] = effectiveRule(category, .output, bounds, defaults, app)
        }
        return EffectivePolicy(
            version: version.description,
            input: input,
            output: output,
            systemMessages: [defaults.systemMessage, app?.systemMessage].compactMap { $0 }.filter { !$0.isEmpty },
            refusals: defaults.refusals,
            inputScreening: defaults.inputScreening,
            streaming: defaults.streaming,
            outputCap: resolveCap(platform: defaults.outputCap, app: app?.outputCap),
            blockLists: app?.blockLists ?? .init(),
            secondOpinion: app?.secondOpinion ?? false
        )
    }

    static func effectiveRule(
        _ category: ModerationCategory, _ direction: PolicyDirection,
        _ bounds: HardBounds, _ defaults: PlatformDefaults, _ app: AppPolicy?
    ) -> EffectiveRule {
        let bound = bounds.rule(category, direction)
        let locked = bounds[category]?.locked ?? false
        let candidate: (PolicyRule, PolicyLayer)
        if !locked, let r = app?.rules[category]?[direction] {
            candidate = (r, .app)
        } else if let r = defaults.rules[category]?[direction] {
            candidate = (r, .default)
        } else if let bound {
            candidate = (bound, .bound)
        } else {
            candidate = (.allowAll, .default)
        }
        guard let bound, !candidate.0.isNoLooser(than: bound) else {
            return EffectiveRule(rule: candidate.0, layer: candidate.1, bound: bound)
        }
        return EffectiveRule(rule: candidate.0.tightened(by: bound), layer: .bound, bound: bound)
    }

    static func resolveCap(platform: OutputCap, app: OutputCap?) -> OutputCap {
        guard let app else { return platform }
        let tokens: Int? = switch (platform.maxOutputTokens, app.maxOutputTokens) {
        case let (p?, a?): min(p, a)
        case let (p, a): p ?? a
        }
        return OutputCap(maxOutputTokens: tokens, overCap: app.overCap)
    }
}
