import Foundation
import WardenCore
import Yams

/// Loads the platform document (`policy.yaml`) and app customizations (YAML or JSON, same schema).
/// Unknown keys, unknown categories and actions, thresholds outside [0, 1], bad regexes and
/// layers escaping the bounds are errors naming the line and key path. See `docs/policy.md`.
///
/// ```swift
/// let platform = try PolicyDocument.loadPlatform(path: "policy.yaml")
/// let app = try PolicyDocument.parseApp(json, source: "app app_123", against: platform)
/// ```
public enum PolicyDocument {
    /// Reads and parses a platform document; validates the defaults against the bounds.
    public static func loadPlatform(path: String) throws -> PlatformPolicy {
        try parsePlatform(try readText(path), source: path)
    }

    /// Reads and parses an app customization file, validated against `platform`.
    public static func loadApp(path: String, against platform: PlatformPolicy) throws -> AppPolicy {
        try parseApp(try readText(path), source: path, against: platform)
    }

    public static func parsePlatform(_ text: String, source: String = "policy.yaml") throws -> PlatformPolicy {
        let reader = NodeReader(source: source)
        guard let root = try reader.compose(text) else {
            throw PolicyLoadError(source: source, line: nil, path: "",
                message: "the document is empty; it needs 'bounds' and 'defaults' (see config/policy.example.yaml)")
        }
        var lines = RuleLines()
        var policy = PlatformPolicy()
        var sawDefaults = false
        for (key, _, value) in try reader.mapping(root, "", allowed: ["bounds", "defaults"]) {
            switch key {
            case "bounds": policy.bounds = try parseBounds(value, reader, &lines)
            default: policy.defaults = try parseDefaults(value, reader, &lines); sawDefaults = true
            }
        }
        if !sawDefaults {
            throw reader.fail(root, "defaults", "missing required key 'defaults'")
        }
        let violations = PolicyValidator.validate(platform: policy)
        if !violations.isEmpty { throw lines.locate(violations, source: source) }
        return policy
    }

    /// Parses an app customization (YAML or JSON) and validates it against the platform bounds.
    /// An empty document is an empty customization.
    public static func parseApp(_ text: String, source: String = "app policy", against platform: PlatformPolicy) throws -> AppPolicy {
        let reader = NodeReader(source: source)
        guard let root = try reader.compose(text) else { return AppPolicy() }
        var lines = RuleLines()
        let app = try parseApp(root, reader, &lines)
        let violations = PolicyValidator.validate(app: app, against: platform)
        if !violations.isEmpty { throw lines.locate(violations, source: source) }
        return app
    }

    /// An app customization as received by the admin API (raw body bytes, JSON or YAML).
    public static func parseApp(_ data: Data, source: String = "app policy", against platform: PlatformPolicy) throws -> AppPolicy {
        try parseApp(try decodeUTF8(data, source: source), source: source, against: platform)
    }

    static func decodeUTF8(_ data: Data, source: String) throws -> String {
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyLoadError(source: source, line: nil, path: "", message: "the document is not valid UTF-8")
        }
        return text
    }

    static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyLoadError(source: path, line: nil, path: "", message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyLoadError(source: path, line: nil, path: "", message: "the file is not valid UTF-8")
        }
        return text
    }

    // MARK: - sections

    static func parseBounds(_ node: Node, _ r: NodeReader, _ lines: inout RuleLines) throws -> HardBounds {
        var bounds = HardBounds()
        for (category, value, path) in try r.categoryMapping(node, "bounds") {
            var bound = CategoryBound()
            var rulesNode: [(String, Node, Node)] = []
            for entry in try r.mapping(value, path, allowed: ["locked", "input", "output", "both"]) {
                if entry.key == "locked" { bound.locked = try r.bool(entry.value, NodeReader.join(path, "locked")) }
                else { rulesNode.append(entry) }
            }
            bound.rules = try parseDirectional(rulesNode, category, path, r, &lines, layer: "bounds")
            bounds.categories[category] = bound
        }
        return bounds
    }

    static func parseRuleTable(_ node: Node, _ path: String, _ r: NodeReader, _ lines: inout RuleLines, layer: String) throws -> PerCategory<DirectionalRules> {
        var table = PerCategory<DirectionalRules>()
        for (category, value, cpath) in try r.categoryMapping(node, path) {
            let entries = try r.mapping(value, cpath, allowed: ["input", "output", "both"])
            table[category] = try parseDirectional(entries, category, cpath, r, &lines, layer: layer)
        }
        return table
    }

    static func parseDirectional(
        _ entries: [(key: String, keyNode: Node, value: Node)], _ category: ModerationCategory, _ path: String,
        _ r: NodeReader, _ lines: inout RuleLines, layer: String
    ) throws -> DirectionalRules {
        var rules = DirectionalRules()
        let keys = entries.map(\.key)
        if keys.contains("both"), let other = entries.first(where: { $0.key != "both" }) {
            throw r.fail(other.keyNode, NodeReader.join(path, other.key), "'both' sets input and output together; remove '\(other.key)' or 'both'")
        }
        for (key, _, value) in entries {
            let rpath = NodeReader.join(path, key)
            let rule = try parseRule(value, rpath, r)
            let directions: [PolicyDirection] = key == "both" ? [.input, .output] : [key == "input" ? .input : .output]
            for d in directions {
                rules[d] = rule
                lines.record(layer, category, d, line: value.mark?.line, path: rpath)
            }
        }
        return rules
    }

    /// `allow`, `{flag_at, block_at}` or `{action: flag|block, at: x}`.
    static func parseRule(_ node: Node, _ path: String, _ r: NodeReader) throws -> PolicyRule {
        if case .scalar(let s) = node {
            guard s.string == "allow" else {
                throw r.fail(node, path, "unknown action '\(s.string)'; a rule is 'allow', {flag_at: x, block_at: y} or {action: flag|block, at: x}")
            }
            return .allowAll
        }
        var rule = PolicyRule()
        var action: (PolicyAction, Node)?
        var at: (Double?, Node)?
        for (key, _, value) in try r.mapping(node, path, allowed: ["flag_at", "block_at", "action", "at"]) {
            let kpath = NodeReader.join(path, key)
            switch key {
            case "flag_at": rule.flagAt = try r.threshold(value, kpath)
            case "block_at": rule.blockAt = try r.threshold(value, kpath)
            case "action": action = (try r.choice(value, kpath, as: PolicyAction.self), value)
            default: at = (try r.threshold(value, kpath), value)
            }
        }
        if let (act, actNode) = action {
            guard rule == PolicyRule() else {
                throw r.fail(actNode, NodeReader.join(path, "action"), "use either 'action' and 'at', or 'flag_at'/'block_at', not both")
            }
            switch act {
            case .allow:
                if let (_, n) = at { throw r.fail(n, NodeReader.join(path, "at"), "'allow' takes no threshold") }
                return .allowAll
            case .flag, .block:
                guard let (value, _) = at, let value else {
                    throw r.fail(actNode, NodeReader.join(path, "at"), "action '\(act.rawValue)' needs a threshold 'at' in [0, 1]")
                }
                return act == .flag ? PolicyRule(flagAt: value) : PolicyRule(blockAt: value)
            }
        }
        if let (_, n) = at { throw r.fail(n, NodeReader.join(path, "at"), "'at' needs an 'action' (flag or block)") }
        if let f = rule.flagAt, let b = rule.blockAt, f >= b {
            throw r.fail(node, NodeReader.join(path, "flag_at"),
                "flag_at \(f) is not below block_at \(b), so it would never apply; lower it or remove it")
        }
        return rule
    }

    static func parseDefaults(_ node: Node, _ r: NodeReader, _ lines: inout RuleLines) throws -> PlatformDefaults {
        var d = PlatformDefaults()
        let allowed = ["rules", "system_message", "refusals", "input_screening", "streaming", "output_cap"]
        for (key, _, value) in try r.mapping(node, "defaults", allowed: allowed) {
            let path = "defaults.\(key)"
            switch key {
            case "rules": d.rules = try parseRuleTable(value, path, r, &lines, layer: "defaults")
            case "system_message": d.systemMessage = try r.optionalString(value, path)
            case "refusals": d.refusals = try parseRefusals(value, path, r)
            case "input_screening": d.inputScreening = try parseInputScreening(value, path, r)
            case "streaming": d.streaming = try parseStreaming(value, path, r)
            default: d.outputCap = try parseCap(value, path, r)
            }
        }
        return d
    }

    static func parseRefusals(_ node: Node, _ path: String, _ r: NodeReader) throws -> RefusalTemplates {
        var t = RefusalTemplates()
        for (key, _, value) in try r.mapping(node, path, allowed: ["input_block", "output_refusal"]) {
            let kpath = NodeReader.join(path, key)
            let text = try r.string(value, kpath)
            if let bad = unknownPlaceholder(in: text) {
                throw r.fail(value, kpath, "unknown placeholder '\(bad)'; known: \(RefusalTemplates.placeholders.joined(separator: ", "))")
            }
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw r.fail(value, kpath, "must not be empty") }
            if key == "input_block" { t.inputBlock = text } else { t.outputRefusal = text }
        }
        return t
    }

    static func unknownPlaceholder(in text: String) -> String? {
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { return nil }
            let name = String(rest[open...close])
            if !RefusalTemplates.placeholders.contains(name) { return name }
            rest = rest[rest.index(after: close)...]
        }
        return nil
    }

    static func parseInputScreening(_ node: Node, _ path: String, _ r: NodeReader) throws -> InputScreening {
        var s = InputScreening()
        for (key, _, value) in try r.mapping(node, path, allowed: ["scope", "other_message_weight"]) {
            let kpath = NodeReader.join(path, key)
            if key == "scope" { s.scope = try r.choice(value, kpath, as: InputScreening.Scope.self) }
            else { s.otherMessageWeight = try r.fraction(value, kpath) }
        }
        return s
    }

    static func parseStreaming(_ node: Node, _ path: String, _ r: NodeReader) throws -> StreamScreening {
        var s = StreamScreening()
        var windowNode: Node?
        for (key, _, value) in try r.mapping(node, path, allowed: ["rescore_every_chars", "rescore_at_sentence_end", "window_chars"]) {
            let kpath = NodeReader.join(path, key)
            switch key {
            case "rescore_every_chars": s.rescoreEveryChars = r.isNull(value) ? nil : try r.int(value, kpath, min: 1)
            case "rescore_at_sentence_end": s.rescoreAtSentenceEnd = try r.bool(value, kpath)
            default: s.windowChars = try r.int(value, kpath, min: 1); windowNode = value
            }
        }
        if let n = s.rescoreEveryChars, s.windowChars < n {
            throw r.fail(windowNode ?? node, NodeReader.join(path, "window_chars"),
                "\(s.windowChars) is below rescore_every_chars (\(n)); text between scorings would be left out of every window")
        }
        if s.rescoreEveryChars == nil && !s.rescoreAtSentenceEnd {
            throw r.fail(node, path, "set rescore_every_chars or rescore_at_sentence_end, or streams are only scored at their end")
        }
        return s
    }

    static func parseCap(_ node: Node, _ path: String, _ r: NodeReader) throws -> OutputCap {
        var cap = OutputCap()
        for (key, _, value) in try r.mapping(node, path, allowed: ["max_output_tokens", "over_cap"]) {
            let kpath = NodeReader.join(path, key)
            if key == "max_output_tokens" { cap.maxOutputTokens = r.isNull(value) ? nil : try r.int(value, kpath, min: 1) }
            else { cap.overCap = try r.choice(value, kpath, as: OutputCap.OverCap.self) }
        }
        return cap
    }

    static func parseApp(_ node: Node, _ r: NodeReader, _ lines: inout RuleLines) throws -> AppPolicy {
        var app = AppPolicy()
        let allowed = ["rules", "system_message", "block_lists", "output_cap", "second_opinion"]
        for (key, _, value) in try r.mapping(node, "", allowed: allowed) {
            switch key {
            case "rules": app.rules = try parseRuleTable(value, "rules", r, &lines, layer: "app")
            case "system_message": app.systemMessage = try r.optionalString(value, key)
            case "block_lists": app.blockLists = try parseBlockLists(value, key, r)
            case "output_cap":
                app.outputCap = try parseCap(value, key, r)
                lines.record(key: "output_cap.max_output_tokens", line: value.mark?.line, path: key)
            default: app.secondOpinion = try r.bool(value, key)
            }
        }
        return app
    }

    static func parseBlockLists(_ node: Node, _ path: String, _ r: NodeReader) throws -> DirectionalBlockLists {
        var lists = DirectionalBlockLists()
        for (key, _, value) in try r.mapping(node, path, allowed: ["input", "output"]) {
            let dpath = NodeReader.join(path, key)
            var spec = BlockListSpec()
            for (kind, _, list) in try r.mapping(value, dpath, allowed: ["terms", "regexes"]) {
                let lpath = NodeReader.join(dpath, kind)
                for (i, (text, item)) in try r.strings(list, lpath).enumerated() {
                    let ipath = "\(lpath)[\(i)]"
                    if kind == "terms" {
                        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw r.fail(item, ipath, "empty term") }
                        spec.terms.append(text)
                    } else {
                        if let problem = BlockListMatcher.regexProblem(text) { throw r.fail(item, ipath, problem) }
                        spec.regexes.append(text)
                    }
                }
            }
            if key == "input" { lists.input = spec } else { lists.output = spec }
        }
        return lists
    }
}
