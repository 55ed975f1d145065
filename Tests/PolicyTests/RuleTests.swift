import Foundation
@testable import Policy
import Testing

@Suite struct RuleTests {
    @Test func actionFollowsThresholds() {
        let r = PolicyRule(flagAt: 0.5, blockAt: 0.8)
        #expect(r.action(for: 0) == .allow)
        #expect(r.action(for: 0.4999) == .allow)
        #expect(r.action(for: 0.5) == .flag)
        #expect(r.action(for: 0.7999) == .flag)
        #expect(r.action(for: 0.8) == .block)
        #expect(r.action(for: 1) == .block)
        #expect(PolicyRule.allowAll.action(for: 1) == .allow)
        #expect(PolicyRule(blockAt: 0).action(for: 0) == .block)
        // flagAt above blockAt: the flag band is empty.
        let inverted = PolicyRule(flagAt: 0.9, blockAt: 0.6)
        #expect(inverted.action(for: 0.59) == .allow)
        #expect(inverted.action(for: 0.6) == .block)
        #expect(inverted.action(for: 0.95) == .block)
    }

    @Test func actionsAreOrderedByStrictness() {
        #expect(PolicyAction.allow < .flag && PolicyAction.flag < .block)
        #expect([PolicyAction.block, .allow, .flag].max() == .block)
    }

    /// All 1,296 pairs of grid rules (nil thresholds and flagAt ≥ blockAt included) against the
    /// definition evaluated by brute force.
    @Test func noLooserMatchesTheDefinitionExhaustively() {
        var agreeTrue = 0, agreeFalse = 0
        for a in gridRules {
            for b in gridRules {
                let expected = bruteNoLooser(a, b)
                #expect(a.isNoLooser(than: b) == expected, "\(a) vs \(b)")
                if expected { agreeTrue += 1 } else { agreeFalse += 1 }
            }
        }
        #expect(agreeTrue > 100 && agreeFalse > 100)   // both outcomes exercised
    }

    @Test func noLooserHandPickedCases() {
        // Blocking earlier but never flagging is still no looser: block ≥ flag.
        #expect(PolicyRule(blockAt: 0.5).isNoLooser(than: PolicyRule(flagAt: 0.5, blockAt: 0.8)))
        // Not flagging where the other flags.
        #expect(!PolicyRule(blockAt: 0.8).isNoLooser(than: PolicyRule(flagAt: 0.5, blockAt: 0.8)))
        // A rule with no block is looser than any rule that blocks.
        #expect(!PolicyRule(flagAt: 0).isNoLooser(than: PolicyRule(blockAt: 1)))
        // Anything is no looser than allow-all.
        #expect(PolicyRule.allowAll.isNoLooser(than: .allowAll))
        // Inverted flag/block behaves like block-only.
        #expect(PolicyRule(flagAt: 0.9, blockAt: 0.6).behavesLike(PolicyRule(blockAt: 0.6)))
    }

    @Test func tightenedIsThePointwiseMaximum() {
        for a in gridRules {
            for b in gridRules {
                let t = a.tightened(by: b)
                for s in probeScores {
                    #expect(t.action(for: s) == max(a.action(for: s), b.action(for: s)), "\(a) ∧ \(b) at \(s)")
                }
            }
        }
    }

    @Test func normalizedBehavesTheSame() {
        for r in gridRules {
            #expect(r.normalized.behavesLike(r))
            if let f = r.normalized.flagAt, let b = r.normalized.blockAt { #expect(f < b) }
        }
    }

    @Test func codableUsesSchemaKeys() throws {
        let data = try JSONEncoder().encode(PolicyRule(flagAt: 0.5, blockAt: 0.8))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"flag_at\":0.5") && text.contains("\"block_at\":0.8"))
        #expect(try JSONDecoder().decode(PolicyRule.self, from: data) == PolicyRule(flagAt: 0.5, blockAt: 0.8))
    }
}
