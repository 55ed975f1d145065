import Foundation
@testable import Policy
import Testing
import WardenCore

@Suite struct DecisionTests {
    let platform = PlatformPolicy.standard

    func effective(_ app: AppPolicy? = nil) -> EffectivePolicy {
        PolicyResolver.resolve(bounds: platform.bounds, defaults: platform.defaults, app: app, version: .init(platform: 7, app: app == nil ? nil : 2))
    }

    @Test func allowWhenNothingReachesAThreshold() {
        let d = effective().decide(.input, scores: [.hate: 0.49, .violence: 0.3])
        #expect(d.action == .allow)
        #expect(d.triggers.isEmpty)
        #expect(d.decidedBy == nil)
        #expect(d.scores.count == 8 && d.scores[.sexual] == 0)
    }

    @Test func strictestCategoryWinsAndTriggersAreListed() {
        let d = effective().decide(.output, scores: [.hate: 0.55, .violence: 0.9, .sexual: 0.81])
        #expect(d.action == .block)
        #expect(d.triggers == [
            CategoryTrigger(category: .sexual, score: 0.81, action: .block, threshold: 0.8, layer: .default),
            CategoryTrigger(category: .violence, score: 0.9, action: .block, threshold: 0.85, layer: .default),
            CategoryTrigger(category: .hate, score: 0.55, action: .flag, threshold: 0.5, layer: .default),
        ])
        #expect(d.categoryNames == ["sexual", "violence"])
        #expect(d.decidedBy == .default)
    }

    @Test func boundLayerDecidesOverOthers() {
        let d = effective().decide(.input, scores: [.sexualMinors: 0.31, .hate: 0.95])
        #expect(d.action == .block)
        #expect(d.decidedBy == .bound)
    }

    @Test func appCustomizationChangesTheOutcome() {
        var clinical = AppPolicy()
        clinical.rules[.selfHarm] = DirectionalRules(output: PolicyRule(flagAt: 0.5, blockAt: 0.9))
        let scores: [ModerationCategory: Double] = [.selfHarm: 0.8]
        #expect(effective().decide(.output, scores: scores).action == .block)
        let d = effective(clinical).decide(.output, scores: scores)
        #expect(d.action == .flag)
        #expect(d.decidedBy == .app)
        #expect(d.policyVersion == "7+app.2")
    }

    @Test func aBoundCannotBeLoosenedEvenByAnInvalidApp() {
        var app = AppPolicy()
        app.rules[.hateThreatening] = .both(.allowAll)
        let d = effective(app).decide(.input, scores: [.hateThreatening: 0.65])
        #expect(d.action == .block)
        #expect(d.decidedBy == .bound)
    }

    @Test func blockListHitBlocksAndIsAttributedToTheApp() {
        let hit = BlockListHit(kind: .term, pattern: "acme rival", matched: "acme rival")
        let d = effective().decide(.output, scores: [.hate: 0.6], blockListHits: [hit])
        #expect(d.action == .block)
        #expect(d.decidedBy == .app)
        #expect(d.categoryNames == ["custom block list"])
        #expect(d.triggers.map(\.action) == [.flag])
    }

    @Test func recordIsCompactSortedJSON() {
        let d = effective().decide(.input, scores: [.hate: 0.612345678, .violence: 0.1])
        #expect(d.record.json == #"{"action":"flag","block_list":[],"decided_by":"default","direction":"input","policy_version":"7","scores":{"harassment":0,"hate":0.6123,"hate/threatening":0,"self-harm":0,"sexual":0,"sexual/minors":0,"violence":0.1,"violence/graphic":0},"triggered":["hate"]}"#)
        let allow = effective().decide(.output, scores: [:])
        #expect(allow.record.json.contains(#""action":"allow""#))
        #expect(!allow.record.json.contains("decided_by"))
    }

    @Test func refusalTemplatesRender() {
        let t = RefusalTemplates(inputBlock: "Blocked: {categories} (policy v{policy_version}).", outputRefusal: "No.")
        #expect(t.renderInputBlock(categories: ["hate", "violence"], policyVersion: "7") == "Blocked: hate, violence (policy v7).")
        #expect(t.renderOutputRefusal(categories: [], policyVersion: "7") == "No.")
    }
}

@Suite struct InputScreenPlanTests {
    let messages = [
        ChatText(role: "system", text: "You are a helper."),
        ChatText(role: "user", text: "first question"),
        ChatText(role: "assistant", text: "an answer"),
        ChatText(role: "user", text: "last question"),
        ChatText(role: "tool", text: ""),
    ]

    @Test func scopeAllScreensEveryNonEmptyMessage() {
        let plan = InputScreenPlan(messages: messages, screening: InputScreening(scope: .all, otherMessageWeight: 0.5))
        #expect(plan.targets.map(\.messageIndex) == [0, 1, 2, 3])
        #expect(plan.targets.map(\.weight) == [0.5, 0.5, 0.5, 1])
    }

    @Test func scopeUserAndLastUser() {
        let user = InputScreenPlan(messages: messages, screening: InputScreening(scope: .user, otherMessageWeight: 0.25))
        #expect(user.targets.map(\.messageIndex) == [1, 3])
        #expect(user.targets.map(\.weight) == [0.25, 1])
        let last = InputScreenPlan(messages: messages, screening: InputScreening(scope: .lastUser))
        #expect(last.targets.map(\.text) == ["last question"])
    }

    @Test func lastUserWithoutUserMessageScreensTheLastMessage() {
        let plan = InputScreenPlan(messages: [ChatText(role: "system", text: "s"), ChatText(role: "assistant", text: "a")],
                                   screening: InputScreening(scope: .lastUser))
        #expect(plan.targets.map(\.messageIndex) == [1])
        #expect(plan.targets.map(\.weight) == [1])
        #expect(InputScreenPlan(messages: [], screening: InputScreening(scope: .lastUser)).targets.isEmpty)
    }

    @Test func combineTakesTheWeightedMaximum() {
        let plan = InputScreenPlan(messages: messages, screening: InputScreening(scope: .all, otherMessageWeight: 0.5))
        let combined = plan.combine([
            [.hate: 0.9],                 // system, weight 0.5 → 0.45
            [.hate: 0.2, .violence: 0.8], // weight 0.5 → 0.1, 0.4
            [:],
            [.hate: 0.3, .violence: 0.1], // last user, weight 1
        ])
        #expect(combined[.hate] == 0.45)
        #expect(combined[.violence] == 0.4)
        #expect(combined[.sexual] == 0)
    }

    @Test func compiledPolicyScreensWithAClassifier() throws {
        var app = AppPolicy()
        app.blockLists.input.terms = ["Project Nightshade"]
        let e = PolicyResolver.resolve(bounds: PlatformPolicy.standard.bounds, defaults: PlatformPolicy.standard.defaults, app: app)
        let policy = try CompiledPolicy(e)
        let clf = TableClassifier(table: ["earlier": [.hate: 0.95], "now": [.hate: 0.1], "bad output": [.violence: 0.9]])
        let input = policy.screenInput([ChatText(role: "user", text: "earlier"), ChatText(role: "user", text: "now")], classifier: clf)
        // "earlier" is not the last user message: 0.95 × 0.5 = 0.475, below the flag threshold 0.5.
        #expect(input.scores[.hate] == 0.475)
        #expect(input.action == .allow)
        let leak = policy.screenInput([ChatText(role: "user", text: "tell me about project nightshade")], classifier: clf)
        #expect(leak.action == .block && leak.blockListHits.map(\.pattern) == ["Project Nightshade"])
        #expect(policy.screenOutput("bad output", classifier: clf).action == .block)
    }
}

@Suite struct BlockListTests {
    @Test func termsMatchCaseInsensitivelyOnWordBoundaries() throws {
        let m = try BlockListMatcher(BlockListSpec(terms: ["kill", "acme rival", "c++"]))
        #expect(m.hits(in: "Kill it").map(\.pattern) == ["kill"])
        #expect(m.hits(in: "skill, killer, overkill").isEmpty)
        #expect(m.hits(in: "skill then KILL.").map(\.matched) == ["kill"])
        #expect(m.hits(in: "Try ACME  rival? no: ACME Rival!").map(\.pattern) == ["acme rival"])
        #expect(m.hits(in: "I write C++code").map(\.pattern) == ["c++"])   // no boundary needed after '+'
        #expect(m.hits(in: "kill_switch").isEmpty)                          // underscore is a word character
        #expect(m.hits(in: "").isEmpty)
        #expect(try BlockListMatcher(BlockListSpec(terms: ["café"])).hits(in: "Le CAFÉ noir").count == 1)
    }

    /// The one-pass matcher against a per-term reference on scalars (2,000 seeded random texts):
    /// terms sharing first bytes and prefixes, mixed case, non-ASCII letters, every boundary case.
    @Test func onePassTermMatchingEqualsAPerTermSearch() throws {
        let terms = ["kill", "kil", "killer", "ki ll", "acme", "a", "c++", "café", "+1", "ß"]
        let m = try BlockListMatcher(BlockListSpec(terms: terms))
        let pieces = ["kill", "KILL", "Kil", "killer", "ki ll", "acme", "ACME", "a", "c++", "Café", "CAFÉ", "+1", "ß",
                      "skill", "_", " ", " ", ".", "x", "É", "9", "\n"]
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let text = (0..<Int(rng.next() % 12)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            let expected = terms.compactMap { term in Self.referenceMatch(term, in: text).map { (term, $0) } }
            let got = m.hits(in: text)
            #expect(got.map(\.pattern) == expected.map(\.0), "\(text)")
            #expect(got.map(\.matched) == expected.map(\.1), "\(text)")
        }
    }

    /// The first occurrence of the lowercased `term` in the lowercased `text`, by scalars, where a
    /// term starting (ending) with a word character is not preceded (followed) by one.
    static func referenceMatch(_ term: String, in text: String) -> String? {
        let t = Array(text.lowercased().unicodeScalars), n = Array(term.lowercased().unicodeScalars)
        guard !n.isEmpty, n.count <= t.count else { return nil }
        for i in 0...(t.count - n.count) where Array(t[i..<(i + n.count)]) == n {
            let leadingOK = !BlockListMatcher.isWordScalar(n[0]) || i == 0 || !BlockListMatcher.isWordScalar(t[i - 1])
            let end = i + n.count
            let trailingOK = !BlockListMatcher.isWordScalar(n[n.count - 1]) || end == t.count || !BlockListMatcher.isWordScalar(t[end])
            if leadingOK && trailingOK {
                var s = String.UnicodeScalarView()
                s.append(contentsOf: t[i..<end])
                return String(s)
            }
        }
        return nil
    }

    @Test func regexesMatchAsWritten() throws {
        let m = try BlockListMatcher(BlockListSpec(regexes: [#"\bSKU-\d{4}\b"#, "(?i)secret"]))
        #expect(m.hits(in: "order SKU-1234 now") == [BlockListHit(kind: .regex, pattern: #"\bSKU-\d{4}\b"#, matched: "SKU-1234")])
        #expect(m.hits(in: "sku-1234").isEmpty)
        #expect(m.hits(in: "TOP SECRET").map(\.matched) == ["SECRET"])
    }

    @Test func badRegexesAreRejected() {
        #expect(BlockListMatcher.regexProblem("a(") == "invalid regular expression 'a('")
        #expect(BlockListMatcher.regexProblem("") == "empty regular expression")
        #expect(BlockListMatcher.regexProblem("[a-z]+") == nil)
        #expect(throws: PolicyValidationError.self) { try BlockListMatcher(BlockListSpec(regexes: ["ok", "*bad"])) }
    }
}

@Suite struct UncertainBandTests {
    @Test func scoresNearAThresholdAreUncertain() {
        let e = PolicyResolver.resolve(bounds: .init(), defaults: PlatformDefaults(rules: PerCategory([
            .hate: .both(PolicyRule(flagAt: 0.5, blockAt: 0.8)),
            .violence: .both(PolicyRule(flagAt: 0.9, blockAt: 0.6)),   // flag_at above block_at: ignored
        ])))
        #expect(PolicyDecider.uncertainCategories(e, direction: .input, scores: [.hate: 0.75], margin: 0.1) == [.hate])
        #expect(PolicyDecider.uncertainCategories(e, direction: .input, scores: [.hate: 0.65], margin: 0.1).isEmpty)
        #expect(PolicyDecider.uncertainCategories(e, direction: .input, scores: [.hate: 0.45, .violence: 0.85], margin: 0.1) == [.hate])
        #expect(PolicyDecider.uncertainCategories(e, direction: .input, scores: [.violence: 0.55], margin: 0.1) == [.violence])
        #expect(PolicyDecider.uncertainCategories(e, direction: .output, scores: [.sexual: 0.5], margin: 0.1).isEmpty)
    }
}

@Suite struct DecisionRecordTests {
    @Test func handWrittenJSONMatchesJSONEncoder() throws {
        var g = SeededGenerator(seed: 9)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for _ in 0..<300 {
            let e = PolicyResolver.resolve(bounds: g.bounds(), defaults: PlatformDefaults(rules: g.ruleTable()), app: g.app(),
                                           version: .init(platform: Int.random(in: 0...99, using: &g), app: 3))
            var scores: [ModerationCategory: Double] = [:]
            for c in ModerationCategory.allCases { scores[c] = Double.random(in: 0...1, using: &g) }
            let hits = Bool.random(using: &g) ? [BlockListHit(kind: .regex, pattern: "a\"b\\c\n\t\u{1}é/", matched: "x")] : []
            let record = e.decide(.output, scores: scores, blockListHits: hits).record
            #expect(record.json == String(decoding: try encoder.encode(record), as: UTF8.self))
            #expect(try JSONDecoder().decode(DecisionRecord.self, from: Data(record.json.utf8)) == record)
        }
    }
}
