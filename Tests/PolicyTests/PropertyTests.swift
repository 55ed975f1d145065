@testable import Policy
import Testing
import WardenCore

/// Seeded random layers (SplitMix64, fixed seeds: failures reproduce). Each test runs 2,000 cases.
@Suite struct PropertyTests {
    static let cases = 2_000

    func forEachCase(_ seed: UInt64, _ body: (inout SeededGenerator) -> Void) {
        var g = SeededGenerator(seed: seed)
        for _ in 0..<Self.cases { body(&g) }
    }

    @Test func resolvedPolicyIsNeverLooserThanTheBounds() {
        forEachCase(1) { g in
            let bounds = g.bounds()
            let defaults = PlatformDefaults(rules: g.ruleTable())   // possibly escaping: resolve must still hold
            let e = PolicyResolver.resolve(bounds: bounds, defaults: defaults, app: g.app())
            for c in ModerationCategory.allCases {
                for d in PolicyDirection.allCases {
                    guard let bound = bounds.rule(c, d) else { continue }
                    let rule = e.rule(c, d).rule
                    #expect(rule.isNoLooser(than: bound))
                    #expect(bruteNoLooser(rule, bound), "independent check: \(rule) vs bound \(bound)")
                }
            }
        }
    }

    @Test func validAppsAreNotClampedAndInvalidOnesAre() {
        forEachCase(2) { g in
            let bounds = g.bounds()
            let platform = PlatformPolicy(bounds: bounds, defaults: PlatformDefaults(rules: g.ruleTable()))
            let app = g.app()
            let violations = PolicyValidator.validate(app: app, against: platform)
            let e = PolicyResolver.resolve(bounds: bounds, defaults: platform.defaults, app: app)
            for (c, rules) in app.rules.sorted where bounds[c]?.locked != true {
                for d in PolicyDirection.allCases {
                    guard let rule = rules[d] else { continue }
                    let flagged = violations.contains { $0.category == c && $0.direction == d }
                    let clamped = e.rule(c, d).layer == .bound
                    #expect(flagged == clamped, "\(c) \(d): \(rule) vs \(String(describing: bounds.rule(c, d)))")
                    if !flagged { #expect(e.rule(c, d).rule == rule) }
                }
            }
        }
    }

    @Test func resolveIsIdempotent() {
        forEachCase(3) { g in
            let bounds = g.bounds()
            let defaults = PlatformDefaults(rules: g.ruleTable())
            let once = PolicyResolver.resolve(bounds: bounds, defaults: defaults, app: g.app())
            // Feeding the effective rules back as an app customization changes no rule.
            var again = AppPolicy()
            for c in ModerationCategory.allCases where bounds[c]?.locked != true {
                again.rules[c] = DirectionalRules(input: once.rule(c, .input).rule, output: once.rule(c, .output).rule)
            }
            let twice = PolicyResolver.resolve(bounds: bounds, defaults: defaults, app: again)
            for c in ModerationCategory.allCases {
                for d in PolicyDirection.allCases {
                    #expect(twice.rule(c, d).rule.behavesLike(once.rule(c, d).rule))
                }
            }
            #expect(PolicyValidator.validate(app: again, against: PlatformPolicy(bounds: bounds, defaults: defaults))
                .filter { $0.key == "block_at" || $0.key == "flag_at" }.isEmpty)
        }
    }

    @Test func tighteningTheAppNeverLoosensTheResult() {
        forEachCase(4) { g in
            let bounds = g.bounds()
            let defaults = PlatformDefaults(rules: g.ruleTable())
            let app = g.app()
            var tighter = app
            let c = ModerationCategory.allCases.randomElement(using: &g)!
            let d = PolicyDirection.allCases.randomElement(using: &g)!
            let current = PolicyResolver.resolve(bounds: bounds, defaults: defaults, app: app).rule(c, d).rule
            var rules = tighter.rules[c] ?? DirectionalRules()
            rules[d] = (app.rules[c]?[d] ?? current).tightened(by: g.rule())
            tighter.rules[c] = rules
            let before = PolicyResolver.resolve(bounds: bounds, defaults: defaults, app: app)
            let after = PolicyResolver.resolve(bounds: bounds, defaults: defaults, app: tighter)
            for c2 in ModerationCategory.allCases {
                for d2 in PolicyDirection.allCases {
                    #expect(after.rule(c2, d2).rule.isNoLooser(than: before.rule(c2, d2).rule))
                }
            }
        }
    }

    @Test func tighteningTheBoundsNeverLoosensTheResult() {
        forEachCase(5) { g in
            let bounds = g.bounds()
            let defaults = PlatformDefaults(rules: g.ruleTable())
            let app = g.app()
            var tighter = bounds
            for c in ModerationCategory.allCases where Bool.random(using: &g) {
                var b = tighter[c] ?? CategoryBound()
                for d in PolicyDirection.allCases { b.rules[d] = (b.rules[d] ?? .allowAll).tightened(by: g.rule()) }
                tighter.categories[c] = b   // same lock state: locking changes which layer applies, not a tightening
            }
            let before = PolicyResolver.resolve(bounds: bounds, defaults: defaults, app: app)
            let after = PolicyResolver.resolve(bounds: tighter, defaults: defaults, app: app)
            for c in ModerationCategory.allCases {
                for d in PolicyDirection.allCases {
                    #expect(after.rule(c, d).rule.isNoLooser(than: before.rule(c, d).rule))
                }
            }
        }
    }

    @Test func decisionsAreMonotoneInScores() {
        forEachCase(6) { g in
            let e = PolicyResolver.resolve(bounds: g.bounds(), defaults: PlatformDefaults(rules: g.ruleTable()), app: g.app())
            var low: [ModerationCategory: Double] = [:], high: [ModerationCategory: Double] = [:]
            for c in ModerationCategory.allCases {
                let a = Double.random(in: 0...1, using: &g), b = Double.random(in: 0...1, using: &g)
                low[c] = min(a, b); high[c] = max(a, b)
            }
            for d in PolicyDirection.allCases {
                #expect(e.decide(d, scores: high).action >= e.decide(d, scores: low).action)
            }
        }
    }
}
