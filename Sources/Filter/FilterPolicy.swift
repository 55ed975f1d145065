import Foundation
import WardenCore
import Yams

/// Per-category removal thresholds: a document (or span) is removed when any category's score is at
/// or above that category's threshold. A category without a threshold is never a reason to remove.
///
/// ```swift
/// let t = try FilterThresholds.parseYAML("default: 0.6\nhate: 0.4\nsexual/minors: 0.1\nviolence: off\n", path: "t.yaml")
/// t.decide([0, 0, 0.45, 0, 0, 0, 0, 0]).flagged   // [.hate]
/// ```
public struct FilterThresholds: Codable, Sendable, Equatable {
    /// In `ModerationCategory.allCases` order; nil means the category is not filtered.
    public var values: [Double?]

    public init(values: [Double?]) {
        precondition(values.count == ModerationCategory.allCases.count)
        self.values = values
    }

    /// One threshold for every category.
    public static func uniform(_ t: Double) -> FilterThresholds {
        FilterThresholds(values: Array(repeating: t, count: ModerationCategory.allCases.count))
    }

    /// The classifier's own thresholds (the shipped operating points).
    public init(_ thresholds: [ModerationCategory: Double]) {
        self.values = ModerationCategory.allCases.map { thresholds[$0] }
    }

    public func threshold(_ c: ModerationCategory) -> Double? { values[c.index] }

    /// The categories whose score reaches their threshold, and the margin of the decision: for a
    /// flagged text the largest (score − threshold) ≥ 0; otherwise the smallest (threshold − score) > 0.
    public func decide(_ scores: [Double]) -> Decision {
        var flagged: [ModerationCategory] = []
        var best = -Double.infinity
        var deciding: ModerationCategory? = nil
        for (i, c) in ModerationCategory.allCases.enumerated() {
            guard let t = values[i] else { continue }
            let d = scores[i] - t
            if d >= 0 { flagged.append(c) }
            if d > best { best = d; deciding = c }
        }
        return Decision(flagged: flagged, margin: deciding == nil ? .infinity : abs(best), deciding: deciding)
    }

    /// Reads a thresholds YAML: keys are category names (or `default`, applied to categories not
    /// listed); values are numbers in [0, 1] or `off`. Unknown keys and bad values are errors.
    public static func load(path: String, base: FilterThresholds) throws -> FilterThresholds {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) }
        catch { throw FilterError.thresholds(path: path, key: nil, reason: "cannot be read: \(error.localizedDescription)") }
        return try parseYAML(text, path: path, base: base)
    }

    public static func parseYAML(_ text: String, path: String, base: FilterThresholds = .uniform(0.5)) throws -> FilterThresholds {
        let node: Any?
        do { node = try Yams.load(yaml: text) }
        catch { throw FilterError.thresholds(path: path, key: nil, reason: "is not valid YAML: \(error)") }
        guard let map = node as? [String: Any] else {
            throw FilterError.thresholds(path: path, key: nil,
                                         reason: "must be a mapping of category → threshold, e.g. `hate: 0.4`")
        }
        var out = base
        if let d = map["default"] {
            let v = try value(d, key: "default", path: path)
            out = FilterThresholds(values: Array(repeating: v, count: ModerationCategory.allCases.count))
        }
        for (key, raw) in map where key != "default" {
            guard let c = ModerationCategory(rawValue: key) else {
                let known = ModerationCategory.allCases.map(\.rawValue).joined(separator: ", ")
                throw FilterError.thresholds(path: path, key: key, reason: "unknown category; use one of: default, \(known)")
            }
            out.values[c.index] = try value(raw, key: key, path: path)
        }
        return out
    }

    static func value(_ raw: Any, key: String, path: String) throws -> Double? {
        if let s = raw as? String, s.lowercased() == "off" { return nil }
        if let b = raw as? Bool, b == false { return nil }  // YAML 1.1 reads `off` as false
        let v: Double? = (raw as? Double) ?? (raw as? Int).map(Double.init)
        guard let v, v >= 0, v <= 1 else {
            throw FilterError.thresholds(path: path, key: key, reason: "value \(raw) must be a number in [0, 1] or `off`")
        }
        return v
    }
}

/// The outcome of comparing one text's scores with the thresholds.
public struct Decision: Sendable, Equatable {
    public var flagged: [ModerationCategory]
    /// Distance to the nearest threshold crossing (see `FilterThresholds.decide`).
    public var margin: Double
    /// The category with the largest score − threshold: the one that removed the text, or the one
    /// closest to removing it.
    public var deciding: ModerationCategory?
    public var removes: Bool { !flagged.isEmpty }

    public init(flagged: [ModerationCategory], margin: Double, deciding: ModerationCategory? = nil) {
        self.flagged = flagged
        self.margin = margin
        self.deciding = deciding
    }
}

/// Span-level filtering: what to do with a violating span of a kept document.
public enum SpanAction: String, Codable, Sendable, CaseIterable {
    /// Replace the span with the mask text.
    case mask
    /// Delete the span.
    case drop
}

/// How a document is judged.
///
/// ```swift
/// var p = FilterPolicy(thresholds: .uniform(0.5))
/// p.spans = SpanPolicy(action: .mask, maxFlaggedFraction: 0.5)   // span level: mask violating sentences
/// ```
public struct FilterPolicy: Codable, Sendable, Equatable {
    public var thresholds: FilterThresholds
    /// nil: document level (remove the whole document when it crosses a threshold).
    public var spans: SpanPolicy?

    public init(thresholds: FilterThresholds, spans: SpanPolicy? = nil) {
        self.thresholds = thresholds
        self.spans = spans
    }
}

/// Span-level settings: spans are sentences (split at line breaks and sentence ends) of at most
/// `maxSpanChars` characters; violating spans are masked or dropped; a document whose violating
/// spans exceed `maxFlaggedFraction` of its characters is removed whole.
public struct SpanPolicy: Codable, Sendable, Equatable {
    public var action: SpanAction
    public var maxFlaggedFraction: Double
    public var maxSpanChars: Int
    public var maskText: String

    public init(action: SpanAction = .mask, maxFlaggedFraction: Double = 0.5, maxSpanChars: Int = 600,
                maskText: String = "[FILTERED]") {
        self.action = action
        self.maxFlaggedFraction = maxFlaggedFraction
        self.maxSpanChars = maxSpanChars
        self.maskText = maskText
    }
}
