import Foundation
import WardenCore

/// A category whose score reached a threshold of its effective rule.
public struct CategoryTrigger: Codable, Sendable, Hashable {
    public var category: ModerationCategory
    public var score: Double
    public var action: PolicyAction
    /// The threshold that was reached (`block_at` for a block, the flagging threshold for a flag).
    public var threshold: Double
    public var layer: PolicyLayer
}

/// The outcome of screening one text (or one request's messages) under an effective policy.
///
/// ```swift
/// let d = PolicyDecider.decide(effective, direction: .input, scores: [.hate: 0.93])
/// d.action            // .block
/// d.categoryNames     // ["hate"]  → the refusal's {categories}
/// d.record.json       // {"action":"block","decided_by":"default",...} for the usage record
/// ```
public struct PolicyDecision: Sendable, Equatable {
    public var action: PolicyAction
    public var direction: PolicyDirection
    /// Every category at flag or block, strictest first, then in taxonomy order.
    public var triggers: [CategoryTrigger]
    public var blockListHits: [BlockListHit]
    /// The layer responsible for the action (nil for `allow`): `bound` if a bound-layer rule gave
    /// the action, else `app` (app rules and block lists), else `default`.
    public var decidedBy: PolicyLayer?
    /// The scores the decision was taken on (all 8 categories).
    public var scores: [ModerationCategory: Double]
    public var policyVersion: String
    /// The model whose scores were used instead of the first classifier's, when the app's policy
    /// asked for a second opinion and the first scores were in the uncertain band.
    public var secondOpinion: String? = nil

    /// Names for the refusal message: triggering categories at the final action, then
    /// "custom block list" if a block-list entry matched.
    public var categoryNames: [String] {
        var names = triggers.filter { $0.action == action }.map(\.category.rawValue)
        if !blockListHits.isEmpty && action == .block { names.append("custom block list") }
        return names
    }

    /// The compact, storable summary for the usage record.
    public var record: DecisionRecord {
        DecisionRecord(
            action: action,
            direction: direction,
            policyVersion: policyVersion,
            decidedBy: decidedBy,
            scores: Dictionary(uniqueKeysWithValues: scores.map { ($0.key.rawValue, DecisionRecord.round($0.value)) }),
            triggered: triggers.map(\.category.rawValue),
            blockList: blockListHits.map(\.pattern),
            secondOpinion: secondOpinion
        )
    }
}

/// What a usage record stores about one decision. `json` is compact with sorted keys,
/// scores rounded to 4 decimals:
/// `{"action":"flag","block_list":[],"decided_by":"app","direction":"output","policy_version":"3+app.1","scores":{"hate":0.61,...},"triggered":["hate"]}`
public struct DecisionRecord: Codable, Sendable, Hashable {
    public var action: PolicyAction
    public var direction: PolicyDirection
    public var policyVersion: String
    public var decidedBy: PolicyLayer?
    public var scores: [String: Double]
    public var triggered: [String]
    public var blockList: [String]
    /// The second opinion's model, when its scores decided (absent otherwise).
    public var secondOpinion: String? = nil

    enum CodingKeys: String, CodingKey {
        case action, direction, scores, triggered
        case policyVersion = "policy_version"
        case decidedBy = "decided_by"
        case blockList = "block_list"
        case secondOpinion = "second_opinion"
    }

    /// Built by hand (a JSONEncoder costs tens of microseconds here); same output as
    /// `JSONEncoder` with `.sortedKeys`: keys in order, `decided_by` absent when nil.
    public var json: String {
        var o = "{\"action\":\"\(action.rawValue)\",\"block_list\":["
        o += blockList.map(Self.quote).joined(separator: ",")
        o += "]"
        if let decidedBy { o += ",\"decided_by\":\"\(decidedBy.rawValue)\"" }
        o += ",\"direction\":\"\(direction.rawValue)\",\"policy_version\":\(Self.quote(policyVersion)),\"scores\":{"
        o += scores.keys.sorted().map { "\(Self.quote($0)):\(Self.number(scores[$0]!))" }.joined(separator: ",")
        o += "}"
        if let secondOpinion { o += ",\"second_opinion\":\(Self.quote(secondOpinion))" }
        o += ",\"triggered\":["
        o += triggered.map(Self.quote).joined(separator: ",")
        return o + "]}"
    }

    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return "\(x)"
    }

    static func quote(_ s: String) -> String {
        var o = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            case "\r": o += "\\r"
            case "\t": o += "\\t"
            default:
                if u.value < 0x20 { o += String(format: "\\u%04x", u.value) } else { o.unicodeScalars.append(u) }
            }
        }
        return o + "\""
    }

    static func round(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
}

/// Turns scores and block-list hits into a decision. Pure.
public enum PolicyDecider {
    public static func decide(
        _ effective: EffectivePolicy,
        direction: PolicyDirection,
        scores: [ModerationCategory: Double],
        blockListHits: [BlockListHit] = []
    ) -> PolicyDecision {
        var triggers: [CategoryTrigger] = []
        var all: [ModerationCategory: Double] = [:]
        for category in ModerationCategory.allCases {
            let score = scores[category] ?? 0
            all[category] = score
            let rule = effective.rule(category, direction)
            let action = rule.rule.action(for: score)
            guard action != .allow else { continue }
            let threshold = action == .block ? rule.rule.blockAt! : rule.rule.flagAt!
            triggers.append(CategoryTrigger(category: category, score: score, action: action, threshold: threshold, layer: rule.layer))
        }
        triggers.sort { $0.action != $1.action ? $0.action > $1.action : $0.category < $1.category }
        var action = triggers.first?.action ?? .allow
        if !blockListHits.isEmpty { action = .block }
        return PolicyDecision(
            action: action, direction: direction, triggers: triggers, blockListHits: blockListHits,
            decidedBy: decidingLayer(action, triggers, blockListHits), scores: all, policyVersion: effective.version)
    }

    static func decidingLayer(_ action: PolicyAction, _ triggers: [CategoryTrigger], _ hits: [BlockListHit]) -> PolicyLayer? {
        guard action != .allow else { return nil }
        var layers = Set(triggers.filter { $0.action == action }.map(\.layer))
        if action == .block && !hits.isEmpty { layers.insert(.app) }
        for layer in [PolicyLayer.bound, .app, .default] where layers.contains(layer) { return layer }
        return nil
    }
}

extension EffectivePolicy {
    /// `PolicyDecider.decide(self, ...)`.
    public func decide(_ direction: PolicyDirection, scores: [ModerationCategory: Double], blockListHits: [BlockListHit] = []) -> PolicyDecision {
        PolicyDecider.decide(self, direction: direction, scores: scores, blockListHits: blockListHits)
    }
}

extension PolicyDecider {
    /// Categories whose score lies within `margin` of one of their rule's thresholds (either side):
    /// the uncertain band where a second opinion could change the action.
    ///
    /// ```swift
    /// if effective.secondOpinion,
    ///    !PolicyDecider.uncertainCategories(effective, direction: .output, scores: s, margin: 0.1).isEmpty { ... }
    /// ```
    public static func uncertainCategories(
        _ effective: EffectivePolicy, direction: PolicyDirection,
        scores: [ModerationCategory: Double], margin: Double
    ) -> [ModerationCategory] {
        ModerationCategory.allCases.filter { c in
            let score = scores[c] ?? 0
            let rule = effective.rule(c, direction).rule.normalized
            return [rule.flagAt, rule.blockAt].contains { t in t.map { abs(score - $0) < margin } ?? false }
        }
    }
}
