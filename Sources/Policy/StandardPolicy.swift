import WardenCore

extension PlatformPolicy {
    /// The platform policy used when no `policy.yaml` is configured: the same document as
    /// `config/policy.example.yaml` (a test checks that they are equal).
    ///
    /// ```swift
    /// let platform = try configuredPath.map(PolicyDocument.loadPlatform) ?? .standard
    /// ```
    public static let standard = PlatformPolicy(
        bounds: HardBounds(PerCategory([
            .sexualMinors: CategoryBound(locked: true, rules: .both(PolicyRule(blockAt: 0.3))),
            .hateThreatening: CategoryBound(rules: .both(PolicyRule(blockAt: 0.6))),
            .hate: CategoryBound(rules: .both(PolicyRule(blockAt: 0.9))),
            .selfHarm: CategoryBound(rules: DirectionalRules(output: PolicyRule(blockAt: 0.9))),
            .violence: CategoryBound(rules: DirectionalRules(output: PolicyRule(blockAt: 0.95))),
        ])),
        defaults: PlatformDefaults(
            rules: PerCategory([
                .sexual: .both(PolicyRule(flagAt: 0.5, blockAt: 0.8)),
                .hate: .both(PolicyRule(flagAt: 0.5, blockAt: 0.8)),
                .hateThreatening: .both(PolicyRule(flagAt: 0.3, blockAt: 0.5)),
                .harassment: .both(PolicyRule(flagAt: 0.5, blockAt: 0.85)),
                .selfHarm: DirectionalRules(input: PolicyRule(flagAt: 0.4), output: PolicyRule(flagAt: 0.4, blockAt: 0.7)),
                .violence: .both(PolicyRule(flagAt: 0.5, blockAt: 0.85)),
                .violenceGraphic: .both(PolicyRule(flagAt: 0.5, blockAt: 0.8)),
            ]),
            systemMessage: nil,
            refusals: RefusalTemplates(),
            inputScreening: InputScreening(scope: .all, otherMessageWeight: 0.5),
            streaming: StreamScreening(rescoreEveryChars: 200, rescoreAtSentenceEnd: true, windowChars: 1000),
            outputCap: OutputCap(maxOutputTokens: 4096, overCap: .clamp)
        )
    )
}
