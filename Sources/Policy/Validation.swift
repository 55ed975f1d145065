import Foundation
import WardenCore

/// One way a policy layer escapes its bounds or is malformed; `description` is the message users
/// see, e.g. `app policy: hate (input): block_at 0.9 is looser than the platform bound block_at ≤ 0.7`.
public struct PolicyViolation: Sendable, Hashable, CustomStringConvertible {
    /// Who is at fault: `app policy` or `policy defaults`.
    public var subject: String
    public var category: ModerationCategory?
    public var direction: PolicyDirection?
    /// The key path (`block_at`, `output_cap.max_output_tokens`, `block_lists.input.regexes[0]`).
    public var key: String
    public var message: String

    public var description: String {
        var where_ = subject
        if let category {
            where_ += ": \(category.rawValue)"
            if let direction { where_ += " (\(direction.rawValue))" }
        }
        return "\(where_): \(message)"
    }
}

/// All violations at once, thrown by loaders; one line per violation.
public struct PolicyValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var violations: [PolicyViolation]
    public init(_ violations: [PolicyViolation]) { self.violations = violations }
    public var description: String { violations.map(\.description).joined(separator: "\n") }
}

/// Checks layers against the bounds. Returns every violation, not the first.
///
/// ```swift
/// let problems = PolicyValidator.validate(app: app, against: platform)
/// if !problems.isEmpty { throw PolicyValidationError(problems) }   // 400 with all of them
/// ```
public enum PolicyValidator {
    /// An app customization against the platform document.
    public static func validate(app: AppPolicy, against platform: PlatformPolicy) -> [PolicyViolation] {
        var out: [PolicyViolation] = []
        let subject = "app policy"
        for (category, rules) in app.rules.sorted {
            if platform.bounds[category]?.locked == true {
                out.append(PolicyViolation(subject: subject, category: category, direction: nil, key: "rules",
                    message: "the category is locked by the platform; apps cannot set rules for it"))
                continue
            }
            for direction in PolicyDirection.allCases {
                guard let rule = rules[direction] else { continue }
                out += check(rule, against: platform.bounds.rule(category, direction), subject, category, direction)
            }
        }
        out += checkCap(app.outputCap, platform: platform.defaults.outputCap, subject)
        out += checkBlockLists(app.blockLists, subject)
        return out
    }

    /// The platform defaults against the platform bounds (a violation is a load error).
    public static func validate(platform: PlatformPolicy) -> [PolicyViolation] {
        var out: [PolicyViolation] = []
        for (category, rules) in platform.defaults.rules.sorted {
            for direction in PolicyDirection.allCases {
                guard let rule = rules[direction] else { continue }
                out += check(rule, against: platform.bounds.rule(category, direction), "policy defaults", category, direction)
            }
        }
        for (category, bound) in platform.bounds.categories.sorted {
            for direction in PolicyDirection.allCases {
                guard let rule = bound.rules[direction] else { continue }
                out += rangeViolations(rule, "policy bounds", category, direction)
            }
        }
        let s = platform.defaults.streaming
        if let n = s.rescoreEveryChars, n < 1 {
            out.append(.init(subject: "policy defaults", key: "streaming.rescore_every_chars", message: "\(n) must be at least 1"))
        }
        if s.windowChars < 1 || s.windowChars < (s.rescoreEveryChars ?? 0) {
            out.append(.init(subject: "policy defaults", key: "streaming.window_chars",
                message: "\(s.windowChars) must be at least 1 and at least rescore_every_chars (\(s.rescoreEveryChars ?? 0)), or text could go unscored"))
        }
        let w = platform.defaults.inputScreening.otherMessageWeight
        if !(0...1).contains(w) {
            out.append(.init(subject: "policy defaults", key: "input_screening.other_message_weight", message: "\(w) is outside [0, 1]"))
        }
        if let t = platform.defaults.outputCap.maxOutputTokens, t < 1 {
            out.append(.init(subject: "policy defaults", key: "output_cap.max_output_tokens", message: "\(t) must be at least 1"))
        }
        return out
    }

    static func check(
        _ rule: PolicyRule, against bound: PolicyRule?,
        _ subject: String, _ category: ModerationCategory, _ direction: PolicyDirection
    ) -> [PolicyViolation] {
        let range = rangeViolations(rule, subject, category, direction)
        guard range.isEmpty, let bound else { return range }
        var out: [PolicyViolation] = []
        let blockOK = startsNoLater(rule.blocksFrom, bound.blocksFrom)
        if !blockOK {
            out.append(.init(subject: subject, category: category, direction: direction, key: "block_at",
                message: "block_at \(show(rule.blockAt, never: "blocks")) is looser than the platform bound block_at ≤ \(show(bound.blockAt))"))
        }
        let boundFlagsEarlier = bound.flagAt != nil && bound.flagsFrom != bound.blocksFrom
        if !startsNoLater(rule.flagsFrom, bound.flagsFrom), blockOK || boundFlagsEarlier {
            let value: String
            if let f = rule.flagAt, f == rule.flagsFrom { value = show(f) }
            else if let b = rule.blockAt, let f = rule.flagAt { value = "\(show(f)) (above block_at \(show(b)), so flags from \(show(b)))" }
            else if let b = rule.blockAt { value = "none (flags only from block_at \(show(b)))" }
            else { value = "none (never flags)" }
            out.append(.init(subject: subject, category: category, direction: direction, key: "flag_at",
                message: "flag_at \(value) is looser than the platform bound flag_at ≤ \(show(bound.flagsFrom))"))
        }
        return out
    }

    static func rangeViolations(_ rule: PolicyRule, _ subject: String, _ category: ModerationCategory, _ direction: PolicyDirection) -> [PolicyViolation] {
        var out: [PolicyViolation] = []
        for (key, value) in [("flag_at", rule.flagAt), ("block_at", rule.blockAt)] {
            if let v = value, !(0...1).contains(v) {
                out.append(.init(subject: subject, category: category, direction: direction, key: key,
                    message: "\(key) \(v) is outside [0, 1]"))
            }
        }
        return out
    }

    static func checkCap(_ cap: OutputCap?, platform: OutputCap, _ subject: String) -> [PolicyViolation] {
        guard let tokens = cap?.maxOutputTokens else { return [] }
        if tokens < 1 {
            return [.init(subject: subject, key: "output_cap.max_output_tokens", message: "output_cap.max_output_tokens \(tokens) must be at least 1")]
        }
        if let p = platform.maxOutputTokens, tokens > p {
            return [.init(subject: subject, key: "output_cap.max_output_tokens",
                message: "output_cap.max_output_tokens \(tokens) is above the platform cap \(p); apps may only lower it")]
        }
        return []
    }

    static func checkBlockLists(_ lists: DirectionalBlockLists, _ subject: String) -> [PolicyViolation] {
        var out: [PolicyViolation] = []
        for direction in PolicyDirection.allCases {
            let spec = lists[direction]
            for (i, term) in spec.terms.enumerated() where term.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                out.append(.init(subject: subject, key: "block_lists.\(direction.rawValue).terms[\(i)]", message: "block_lists.\(direction.rawValue).terms[\(i)]: empty term"))
            }
            for (i, pattern) in spec.regexes.enumerated() {
                if let problem = BlockListMatcher.regexProblem(pattern) {
                    out.append(.init(subject: subject, key: "block_lists.\(direction.rawValue).regexes[\(i)]",
                        message: "block_lists.\(direction.rawValue).regexes[\(i)]: \(problem)"))
                }
            }
        }
        return out
    }
}

extension PolicyViolation {
    init(subject: String, key: String, message: String) {
        self.init(subject: subject, category: nil, direction: nil, key: key, message: message)
    }
}

func startsNoLater(_ a: Double?, _ b: Double?) -> Bool {
    guard let b else { return true }
    guard let a else { return false }
    return a <= b
}

/// A threshold as users wrote it: `0.7`, or `none (never <verb>)`.
func show(_ value: Double?, never verb: String = "applies") -> String {
    guard let value else { return "none (never \(verb))" }
    return "\(value)"
}
