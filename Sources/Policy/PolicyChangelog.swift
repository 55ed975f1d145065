import Foundation
import WardenCore

/// Human-readable differences between two platform documents, in a stable order:
/// default rules (as resolved, per category and direction), bounds, then the other settings.
public enum PolicyChangelog {
    public static func changes(from old: PlatformPolicy?, to new: PlatformPolicy) -> [String] {
        guard let old else { return ["first version"] }
        var lines: [String] = []
        let a = PolicyResolver.resolve(bounds: old.bounds, defaults: old.defaults)
        let b = PolicyResolver.resolve(bounds: new.bounds, defaults: new.defaults)
        for category in ModerationCategory.allCases {
            for direction in PolicyDirection.allCases {
                let x = a.rule(category, direction).rule, y = b.rule(category, direction).rule
                if !x.behavesLike(y) {
                    lines.append("\(category.rawValue) (\(direction.rawValue)): \(describe(x)) → \(describe(y))")
                }
            }
        }
        for category in ModerationCategory.allCases {
            let x = old.bounds[category], y = new.bounds[category]
            if (x?.locked ?? false) != (y?.locked ?? false) {
                lines.append("bound \(category.rawValue): \(y?.locked == true ? "now locked (apps cannot change it)" : "no longer locked")")
            }
            for direction in PolicyDirection.allCases {
                let p = x?.rules[direction], q = y?.rules[direction]
                if !sameBound(p, q) {
                    lines.append("bound \(category.rawValue) (\(direction.rawValue)): \(describeBound(p)) → \(describeBound(q))")
                }
            }
        }
        lines += settingChanges(old.defaults, new.defaults)
        return lines
    }

    static func settingChanges(_ x: PlatformDefaults, _ y: PlatformDefaults) -> [String] {
        var lines: [String] = []
        switch (x.systemMessage, y.systemMessage) {
        case (nil, .some): lines.append("platform system message: added")
        case (.some, nil): lines.append("platform system message: removed")
        case let (p?, q?) where p != q: lines.append("platform system message: changed")
        default: break
        }
        if x.refusals.inputBlock != y.refusals.inputBlock { lines.append("refusal message for blocked requests: changed") }
        if x.refusals.outputRefusal != y.refusals.outputRefusal { lines.append("refusal text for blocked completions: changed") }
        if x.inputScreening.scope != y.inputScreening.scope {
            lines.append("input screening scope: \(x.inputScreening.scope.rawValue) → \(y.inputScreening.scope.rawValue)")
        }
        if x.inputScreening.otherMessageWeight != y.inputScreening.otherMessageWeight {
            lines.append("weight of messages other than the last user message: \(threshold(x.inputScreening.otherMessageWeight)) → \(threshold(y.inputScreening.otherMessageWeight))")
        }
        if x.streaming != y.streaming { lines.append("streaming screening: \(describe(x.streaming)) → \(describe(y.streaming))") }
        if x.outputCap != y.outputCap { lines.append("output cap: \(describe(x.outputCap)) → \(describe(y.outputCap))") }
        return lines
    }

    static func sameBound(_ p: PolicyRule?, _ q: PolicyRule?) -> Bool {
        switch (p, q) {
        case (nil, nil): true
        case let (a?, b?): a.behavesLike(b)
        default: false
        }
    }

    /// `allow`, `flag at 0.50`, `block at 0.80`, `flag at 0.50, block at 0.80`.
    public static func describe(_ rule: PolicyRule) -> String {
        let r = rule.normalized
        switch (r.flagAt, r.blockAt) {
        case (nil, nil): return "allow"
        case let (f?, nil): return "flag at \(threshold(f))"
        case let (nil, b?): return "block at \(threshold(b))"
        case let (f?, b?): return "flag at \(threshold(f)), block at \(threshold(b))"
        }
    }

    /// `block at ≤ 0.60`, `flag at ≤ 0.40, block at ≤ 0.60`, `unbounded`.
    public static func describeBound(_ rule: PolicyRule?) -> String {
        guard let rule else { return "unbounded" }
        let r = rule.normalized
        var parts: [String] = []
        if let f = r.flagAt { parts.append("flag at ≤ \(threshold(f))") }
        if let b = r.blockAt { parts.append("block at ≤ \(threshold(b))") }
        return parts.isEmpty ? "unbounded" : parts.joined(separator: ", ")
    }

    static func describe(_ s: StreamScreening) -> String {
        var parts: [String] = []
        if let n = s.rescoreEveryChars { parts.append("every \(n) characters") }
        if s.rescoreAtSentenceEnd { parts.append("at sentence ends") }
        parts.append("window \(s.windowChars) characters")
        return parts.joined(separator: ", ")
    }

    static func describe(_ c: OutputCap) -> String {
        guard let t = c.maxOutputTokens else { return "none" }
        return "\(t) tokens (\(c.overCap.rawValue))"
    }

    /// A threshold with at least two decimals and as many as needed to be exact: 0.80, 0.875.
    public static func threshold(_ x: Double) -> String {
        for digits in 2...6 {
            let s = String(format: "%.\(digits)f", x)
            if Double(s) == x { return s }
        }
        return "\(x)"
    }
}

extension PolicyChangelog {
    /// Differences between two versions of one app's customization, for its audit trail and for
    /// the CLI/admin API's answer: `violence (output): default → app: flag at 0.60, block at 0.95`,
    /// `block list (input): added term "project nightshade"`.
    public static func changes(from old: AppPolicy?, to new: AppPolicy) -> [String] {
        let old = old ?? AppPolicy()
        var lines: [String] = []
        for category in ModerationCategory.allCases {
            for direction in PolicyDirection.allCases {
                let x = old.rules[category]?[direction], y = new.rules[category]?[direction]
                switch (x, y) {
                case (nil, nil): break
                case let (nil, b?): lines.append("\(category.rawValue) (\(direction.rawValue)): default → \(describe(b))")
                case let (a?, nil): lines.append("\(category.rawValue) (\(direction.rawValue)): \(describe(a)) → default")
                case let (a?, b?) where !a.behavesLike(b):
                    lines.append("\(category.rawValue) (\(direction.rawValue)): \(describe(a)) → \(describe(b))")
                default: break
                }
            }
        }
        if old.systemMessage != new.systemMessage {
            lines.append("app system message: \(old.systemMessage == nil ? "added" : new.systemMessage == nil ? "removed" : "changed")")
        }
        for direction in PolicyDirection.allCases {
            let a = old.blockLists[direction], b = new.blockLists[direction]
            for (kind, before, after) in [("term", a.terms, b.terms), ("regex", a.regexes, b.regexes)] {
                for item in after where !before.contains(item) { lines.append("block list (\(direction.rawValue)): added \(kind) \"\(item)\"") }
                for item in before where !after.contains(item) { lines.append("block list (\(direction.rawValue)): removed \(kind) \"\(item)\"") }
            }
        }
        if old.outputCap != new.outputCap {
            lines.append("app output cap: \(old.outputCap.map(describe) ?? "platform's") → \(new.outputCap.map(describe) ?? "platform's")")
        }
        if old.secondOpinion != new.secondOpinion { lines.append("second opinion: \(old.secondOpinion ? "on" : "off") → \(new.secondOpinion ? "on" : "off")") }
        return lines
    }
}
