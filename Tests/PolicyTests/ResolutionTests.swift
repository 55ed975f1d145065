import Foundation
@testable import Policy
import Testing
import WardenCore

@Suite struct ResolutionTests {
    let platform = PlatformPolicy.standard

    func resolve(_ app: AppPolicy? = nil) -> EffectivePolicy {
        PolicyResolver.resolve(bounds: platform.bounds, defaults: platform.defaults, app: app, version: .init(platform: 3, app: app == nil ? nil : 1))
    }

    @Test func defaultsApplyWithoutApp() {
        let e = resolve()
        #expect(e.version == "3")
        #expect(e.rule(.hate, .input) == EffectiveRule(rule: PolicyRule(flagAt: 0.5, blockAt: 0.8), layer: .default, bound: PolicyRule(blockAt: 0.9)))
        #expect(e.rule(.selfHarm, .input) == EffectiveRule(rule: PolicyRule(flagAt: 0.4), layer: .default, bound: nil))
        // No default for sexual/minors: the bound itself applies.
        #expect(e.rule(.sexualMinors, .output) == EffectiveRule(rule: PolicyRule(blockAt: 0.3), layer: .bound, bound: PolicyRule(blockAt: 0.3)))
        #expect(e.systemMessages.isEmpty)
        #expect(e.outputCap == OutputCap(maxOutputTokens: 4096, overCap: .clamp))
        #expect(e.secondOpinion == false)
    }

    @Test func categoryWithNothingIsAllowAll() {
        let e = PolicyResolver.resolve(bounds: .init(), defaults: .init())
        for c in ModerationCategory.allCases {
            #expect(e.rule(c, .input) == EffectiveRule(rule: .allowAll, layer: .default))
        }
    }

    @Test func appRulesReplaceDefaultsWithinBounds() {
        var app = AppPolicy()
        app.rules[.hate] = DirectionalRules(input: PolicyRule(flagAt: 0.3, blockAt: 0.6))           // tighter
        app.rules[.violence] = DirectionalRules(output: PolicyRule(flagAt: 0.6, blockAt: 0.95))     // looser, at its bound
        app.rules[.selfHarm] = DirectionalRules(input: .allowAll)                                    // unbounded input
        let e = resolve(app)
        #expect(e.version == "3+app.1")
        #expect(e.rule(.hate, .input) == EffectiveRule(rule: PolicyRule(flagAt: 0.3, blockAt: 0.6), layer: .app, bound: PolicyRule(blockAt: 0.9)))
        #expect(e.rule(.hate, .output).layer == .default)
        #expect(e.rule(.violence, .output) == EffectiveRule(rule: PolicyRule(flagAt: 0.6, blockAt: 0.95), layer: .app, bound: PolicyRule(blockAt: 0.95)))
        #expect(e.rule(.selfHarm, .input) == EffectiveRule(rule: .allowAll, layer: .app, bound: nil))
        #expect(PolicyValidator.validate(app: app, against: platform).isEmpty)
    }

    @Test func escapingAppRuleIsClampedByResolveAndRejectedByValidation() {
        var app = AppPolicy()
        app.rules[.hate] = DirectionalRules(input: PolicyRule(flagAt: 0.7, blockAt: 0.95))
        let e = resolve(app)
        #expect(e.rule(.hate, .input) == EffectiveRule(rule: PolicyRule(flagAt: 0.7, blockAt: 0.9), layer: .bound, bound: PolicyRule(blockAt: 0.9)))
        let problems = PolicyValidator.validate(app: app, against: platform).map(\.description)
        #expect(problems == ["app policy: hate (input): block_at 0.95 is looser than the platform bound block_at ≤ 0.9"])
    }

    @Test func lockedCategoryCannotBeChanged() {
        var app = AppPolicy()
        app.rules[.sexualMinors] = .both(PolicyRule(blockAt: 0.1))   // even tighter is refused: locked means locked
        #expect(resolve(app).rule(.sexualMinors, .input) == EffectiveRule(rule: PolicyRule(blockAt: 0.3), layer: .bound, bound: PolicyRule(blockAt: 0.3)))
        #expect(PolicyValidator.validate(app: app, against: platform).map(\.description)
            == ["app policy: sexual/minors: the category is locked by the platform; apps cannot set rules for it"])
    }

    @Test func everyViolationIsReportedNotTheFirst() {
        var app = AppPolicy()
        app.rules[.sexualMinors] = DirectionalRules(input: .allowAll)
        app.rules[.hate] = .both(PolicyRule(flagAt: 0.5, blockAt: 0.95))
        app.rules[.hateThreatening] = DirectionalRules(output: .allowAll)
        app.rules[.selfHarm] = DirectionalRules(input: PolicyRule(flagAt: 1.5), output: PolicyRule(flagAt: 0.2))
        app.outputCap = OutputCap(maxOutputTokens: 8192)
        app.blockLists.input.regexes = ["(unclosed"]
        app.blockLists.output.terms = ["  "]
        let problems = PolicyValidator.validate(app: app, against: platform).map(\.description)
        #expect(problems == [
            "app policy: sexual/minors: the category is locked by the platform; apps cannot set rules for it",
            "app policy: hate (input): block_at 0.95 is looser than the platform bound block_at ≤ 0.9",
            "app policy: hate (output): block_at 0.95 is looser than the platform bound block_at ≤ 0.9",
            "app policy: hate/threatening (output): block_at none (never blocks) is looser than the platform bound block_at ≤ 0.6",
            "app policy: self-harm (input): flag_at 1.5 is outside [0, 1]",
            "app policy: self-harm (output): block_at none (never blocks) is looser than the platform bound block_at ≤ 0.9",
            "app policy: output_cap.max_output_tokens 8192 is above the platform cap 4096; apps may only lower it",
            "app policy: block_lists.input.regexes[0]: invalid regular expression '(unclosed'",
            "app policy: block_lists.output.terms[0]: empty term",
        ])
    }

    @Test func flagBoundViolationsNameTheFlagThreshold() {
        var p = PlatformPolicy()
        p.bounds.categories[.harassment] = CategoryBound(rules: .both(PolicyRule(flagAt: 0.4, blockAt: 0.6)))
        var app = AppPolicy()
        app.rules[.harassment] = DirectionalRules(input: PolicyRule(flagAt: 0.5, blockAt: 0.6), output: PolicyRule(blockAt: 0.55))
        #expect(PolicyValidator.validate(app: app, against: p).map(\.description) == [
            "app policy: harassment (input): flag_at 0.5 is looser than the platform bound flag_at ≤ 0.4",
            "app policy: harassment (output): flag_at none (flags only from block_at 0.55) is looser than the platform bound flag_at ≤ 0.4",
        ])
        // Flagging from a block threshold below the flag bound is fine.
        app.rules[.harassment] = DirectionalRules(input: PolicyRule(blockAt: 0.4))
        #expect(PolicyValidator.validate(app: app, against: p).isEmpty)
    }

    @Test func defaultsEscapingBoundsAreReported() {
        var p = PlatformPolicy.standard
        p.defaults.rules[.hateThreatening] = .both(PolicyRule(flagAt: 0.3, blockAt: 0.7))
        #expect(PolicyValidator.validate(platform: p).map(\.description) == [
            "policy defaults: hate/threatening (input): block_at 0.7 is looser than the platform bound block_at ≤ 0.6",
            "policy defaults: hate/threatening (output): block_at 0.7 is looser than the platform bound block_at ≤ 0.6",
        ])
        #expect(PolicyValidator.validate(platform: .standard).isEmpty)
    }

    @Test func systemMessagesPlatformFirstThenApp() {
        var defaults = platform.defaults
        defaults.systemMessage = "Be safe."
        let app = AppPolicy(systemMessage: "You are Acme's helper.")
        let e = PolicyResolver.resolve(bounds: platform.bounds, defaults: defaults, app: app)
        #expect(e.systemMessages == ["Be safe.", "You are Acme's helper."])
        #expect(PolicyResolver.resolve(bounds: platform.bounds, defaults: platform.defaults, app: app).systemMessages == ["You are Acme's helper."])
    }

    @Test func outputCapOnlyTightens() {
        #expect(resolve(AppPolicy(outputCap: OutputCap(maxOutputTokens: 512, overCap: .reject))).outputCap == OutputCap(maxOutputTokens: 512, overCap: .reject))
        #expect(resolve(AppPolicy(outputCap: OutputCap(maxOutputTokens: 9000))).outputCap.maxOutputTokens == 4096)
        #expect(resolve(AppPolicy(outputCap: OutputCap(maxOutputTokens: nil, overCap: .reject))).outputCap == OutputCap(maxOutputTokens: 4096, overCap: .reject))
        let uncapped = PolicyResolver.resolveCap(platform: OutputCap(), app: OutputCap(maxOutputTokens: 100))
        #expect(uncapped.maxOutputTokens == 100)
    }

    @Test func outputCapOutcomes() {
        let clamp = OutputCap(maxOutputTokens: 1024, overCap: .clamp)
        #expect(clamp.apply(requested: 100) == .unchanged)
        #expect(clamp.apply(requested: 1024) == .unchanged)
        #expect(clamp.apply(requested: 1025) == .clamped(to: 1024))
        #expect(clamp.apply(requested: nil) == .clamped(to: 1024))
        let reject = OutputCap(maxOutputTokens: 1024, overCap: .reject)
        #expect(reject.apply(requested: 5000) == .rejected(cap: 1024, requested: 5000))
        #expect(reject.apply(requested: nil) == .clamped(to: 1024))
        #expect(OutputCap().apply(requested: 1_000_000) == .unchanged)
    }

    @Test func appFlagsSecondOpinionAndBlockLists() {
        var app = AppPolicy(secondOpinion: true)
        app.blockLists.output.terms = ["acme rival"]
        let e = resolve(app)
        #expect(e.secondOpinion)
        #expect(e.blockLists.output.terms == ["acme rival"])
    }

    @Test func documentsRoundTripThroughJSON() throws {
        var app = AppPolicy(systemMessage: "hi", outputCap: OutputCap(maxOutputTokens: 10, overCap: .reject), secondOpinion: true)
        app.rules[.violence] = DirectionalRules(output: PolicyRule(flagAt: 0.2))
        app.blockLists.input = BlockListSpec(terms: ["x"], regexes: ["a+"])
        let data = try JSONEncoder().encode(app)
        #expect(try JSONDecoder().decode(AppPolicy.self, from: data) == app)
        let pdata = try JSONEncoder().encode(PlatformPolicy.standard)
        #expect(try JSONDecoder().decode(PlatformPolicy.self, from: pdata) == .standard)
        let e = resolve(app)
        #expect(try JSONDecoder().decode(EffectivePolicy.self, from: JSONEncoder().encode(e)) == e)
        #expect(String(decoding: data, as: UTF8.self).contains("\"violence\""))
    }
}

@Suite struct TightenedBoundsTests {
    /// An app stored under looser bounds still loads (JSONDecoder, no validation) after the
    /// platform tightened them; resolve clamps it and validation names it.
    @Test func storedAppUnderTightenedBounds() throws {
        var app = AppPolicy()
        app.rules[.hate] = DirectionalRules(input: PolicyRule(flagAt: 0.5, blockAt: 0.9))
        #expect(PolicyValidator.validate(app: app, against: .standard).isEmpty)
        let stored = PolicyDocument.json(app)

        var tighter = PlatformPolicy.standard
        tighter.bounds.categories[.hate] = CategoryBound(rules: .both(PolicyRule(blockAt: 0.7)))
        tighter.defaults.rules[.hate] = .both(PolicyRule(flagAt: 0.5, blockAt: 0.7))
        #expect(throws: PolicyLoadError.self) { try PolicyDocument.parseApp(stored, against: tighter) }
        let loaded = try JSONDecoder().decode(AppPolicy.self, from: Data(stored.utf8))
        let e = PolicyResolver.resolve(bounds: tighter.bounds, defaults: tighter.defaults, app: loaded)
        #expect(e.rule(.hate, .input) == EffectiveRule(rule: PolicyRule(flagAt: 0.5, blockAt: 0.7), layer: .bound, bound: PolicyRule(blockAt: 0.7)))
        #expect(PolicyValidator.validate(app: loaded, against: tighter).map(\.description)
            == ["app policy: hate (input): block_at 0.9 is looser than the platform bound block_at ≤ 0.7"])
    }
}
