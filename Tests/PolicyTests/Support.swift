import Foundation
@testable import Policy
import WardenCore

/// Thresholds used by the exhaustive tests: nil (never) and a grid over [0, 1].
let gridThresholds: [Double?] = [nil, 0, 0.25, 0.5, 0.75, 1]

/// Every rule over the grid, including flagAt ≥ blockAt.
let gridRules: [PolicyRule] = gridThresholds.flatMap { f in gridThresholds.map { b in PolicyRule(flagAt: f, blockAt: b) } }

/// Scores that decide any comparison of grid rules: the grid points and the midpoints between them
/// (actions only change at thresholds, so these are all the distinct behaviours on [0, 1]).
let probeScores: [Double] = [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]

/// The definition of "no looser than", by brute force over the probe scores.
func bruteNoLooser(_ a: PolicyRule, _ b: PolicyRule) -> Bool {
    probeScores.allSatisfy { a.action(for: $0) >= b.action(for: $0) }
}

/// Property tests draw from a seeded generator, so failures reproduce.
typealias SeededGenerator = SplitMix64

extension SeededGenerator {
    mutating func threshold() -> Double? {
        if Int.random(in: 0..<4, using: &self) == 0 { return nil }
        return Double(Int.random(in: 0...20, using: &self)) / 20
    }
    mutating func rule() -> PolicyRule { PolicyRule(flagAt: threshold(), blockAt: threshold()) }
    mutating func maybeRule() -> PolicyRule? { Bool.random(using: &self) ? rule() : nil }
    mutating func directional() -> DirectionalRules { DirectionalRules(input: maybeRule(), output: maybeRule()) }

    mutating func bounds() -> HardBounds {
        var b = HardBounds()
        for c in ModerationCategory.allCases where Bool.random(using: &self) {
            b.categories[c] = CategoryBound(locked: Int.random(in: 0..<5, using: &self) == 0, rules: directional())
        }
        return b
    }

    mutating func ruleTable() -> PerCategory<DirectionalRules> {
        var t = PerCategory<DirectionalRules>()
        for c in ModerationCategory.allCases where Bool.random(using: &self) { t[c] = directional() }
        return t
    }

    mutating func app() -> AppPolicy {
        AppPolicy(rules: ruleTable(), outputCap: Bool.random(using: &self) ? OutputCap(maxOutputTokens: Int.random(in: 1...8000, using: &self)) : nil)
    }
}

/// config/policy.example.yaml in this checkout.
let exampleYAMLPath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("config/policy.example.yaml").path

/// A classifier double: fixed scores per exact text.
struct TableClassifier: TextClassifying {
    let modelName = "table"
    let table: [String: [ModerationCategory: Double]]
    func moderate(_ text: String) -> ModerationResult {
        ModerationResult(scores: table[text] ?? [:], thresholds: [:])
    }
}
