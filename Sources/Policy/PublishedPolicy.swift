import Foundation
import WardenCore

/// The platform policy in public form for `GET /policy`: a self-contained HTML page (no external
/// assets, every text escaped) and a JSON document, both with the changelog.
///
/// ```swift
/// let page = PublishedPolicy.html(versions: versions)   // oldest first; the last one is current
/// let json = PublishedPolicy.json(versions: versions)
/// ```
public enum PublishedPolicy {
    /// A row of the published table: what the current defaults do and the bounds apps cannot loosen.
    public struct CategoryEntry: Codable, Sendable, Equatable {
        public var category: String
        public var input: String
        public var output: String
        public var boundInput: String
        public var boundOutput: String
        public var locked: Bool
        /// The same rules as numbers, for programs.
        public var inputRule: PolicyRule
        public var outputRule: PolicyRule
        public var boundRules: DirectionalRules

        enum CodingKeys: String, CodingKey {
            case category, input, output, locked
            case boundInput = "bound_input"
            case boundOutput = "bound_output"
            case inputRule = "input_rule"
            case outputRule = "output_rule"
            case boundRules = "bound_rules"
        }
    }

    public struct ChangelogEntry: Codable, Sendable, Equatable {
        public var version: Int
        public var createdAt: String
        public var author: String
        public var reason: String
        public var changes: [String]

        enum CodingKeys: String, CodingKey {
            case version, author, reason, changes
            case createdAt = "created_at"
        }
    }

    public struct Document: Codable, Sendable, Equatable {
        public var version: Int
        public var createdAt: String
        public var categories: [CategoryEntry]
        public var inputScreening: InputScreening
        public var streaming: StreamScreening
        public var outputCap: OutputCap
        /// Newest first.
        public var changelog: [ChangelogEntry]

        enum CodingKeys: String, CodingKey {
            case version, categories, streaming, changelog
            case createdAt = "created_at"
            case inputScreening = "input_screening"
            case outputCap = "output_cap"
        }
    }

    /// The public document for `versions` (any order; the highest number is current).
    /// Nil when there is no version.
    public static func document(versions: [PolicyVersion]) -> Document? {
        let sorted = versions.sorted { $0.number < $1.number }
        guard let current = sorted.last else { return nil }
        let doc = current.document
        let effective = PolicyResolver.resolve(bounds: doc.bounds, defaults: doc.defaults)
        let categories = ModerationCategory.allCases.map { c in
            CategoryEntry(
                category: c.rawValue,
                input: PolicyChangelog.describe(effective.rule(c, .input).rule),
                output: PolicyChangelog.describe(effective.rule(c, .output).rule),
                boundInput: PolicyChangelog.describeBound(doc.bounds.rule(c, .input)),
                boundOutput: PolicyChangelog.describeBound(doc.bounds.rule(c, .output)),
                locked: doc.bounds[c]?.locked ?? false,
                inputRule: effective.rule(c, .input).rule,
                outputRule: effective.rule(c, .output).rule,
                boundRules: doc.bounds[c]?.rules ?? DirectionalRules())
        }
        var changelog: [ChangelogEntry] = []
        for (i, v) in sorted.enumerated() {
            changelog.append(ChangelogEntry(
                version: v.number, createdAt: timestamp(v.createdAt), author: v.author, reason: v.reason,
                changes: PolicyChangelog.changes(from: i == 0 ? nil : sorted[i - 1].document, to: v.document)))
        }
        return Document(
            version: current.number, createdAt: timestamp(current.createdAt), categories: categories,
            inputScreening: doc.defaults.inputScreening, streaming: doc.defaults.streaming,
            outputCap: doc.defaults.outputCap, changelog: changelog.reversed())
    }

    /// Pretty-printed JSON with sorted keys (`{}` members as in `Document`); `{"error": ...}`-free:
    /// with no version it is `{"version":null}`.
    public static func json(versions: [PolicyVersion]) -> String {
        guard let doc = document(versions: versions) else { return #"{"version":null}"# }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(doc)) ?? Data(), as: UTF8.self)
    }

    /// A complete HTML page (inline CSS, no scripts, no external assets).
    public static func html(versions: [PolicyVersion], title: String = "Content policy") -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
        table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}
        th{background:#f3f3f3}code{background:#f3f3f3;padding:0 .2rem}.locked{color:#a00;font-weight:600}</style>
        </head><body>
        <h1>\(escape(title))</h1>

        """
        guard let doc = document(versions: versions) else {
            return h + "<p>No policy has been published yet.</p>\n</body></html>\n"
        }
        h += "<p>Version <strong>\(doc.version)</strong>, in force since \(escape(doc.createdAt)).</p>\n"
        h += """
        <p>Every prompt and completion is scored by a classifier for each category (a score from 0 to 1).
        <em>Block</em>: a prompt is refused, a completion is replaced by a refusal (streams are cut).
        <em>Flag</em>: the text goes through and is recorded for review. Applications may customize these
        rules, but never beyond the bounds: a bound is the loosest rule any application may have.</p>

        """
        h += "<h2>Rules</h2>\n<table>\n<tr><th>category</th><th>prompts (input)</th><th>completions (output)</th><th>bound, input</th><th>bound, output</th></tr>\n"
        for c in doc.categories {
            let name = escape(c.category) + (c.locked ? " <span class=\"locked\">(locked: applications cannot change it)</span>" : "")
            h += "<tr><td><code>\(name)</code></td><td>\(escape(c.input))</td><td>\(escape(c.output))</td><td>\(escape(c.boundInput))</td><td>\(escape(c.boundOutput))</td></tr>\n"
        }
        h += "</table>\n"
        h += "<h2>How texts are screened</h2>\n<ul>\n"
        h += "<li>Prompts: \(escape(scopeText(doc.inputScreening)))</li>\n"
        h += "<li>Streamed completions: re-scored \(escape(PolicyChangelog.describe(doc.streaming))).</li>\n"
        h += "<li>Longest completion: \(escape(PolicyChangelog.describe(doc.outputCap))).</li>\n</ul>\n"
        h += "<h2>Changelog</h2>\n"
        for entry in doc.changelog {
            h += "<h3>Version \(entry.version) · \(escape(entry.createdAt)) · \(escape(entry.author))</h3>\n"
            h += "<p>\(escape(entry.reason))</p>\n<ul>\n"
            for line in entry.changes { h += "<li>\(escape(line))</li>\n" }
            if entry.changes.isEmpty { h += "<li>no change in the rules</li>\n" }
            h += "</ul>\n"
        }
        return h + "</body></html>\n"
    }

    static func scopeText(_ s: InputScreening) -> String {
        let which = switch s.scope {
        case .all: "every message is scored"
        case .user: "user messages are scored"
        case .lastUser: "the last user message is scored"
        }
        return s.scope == .lastUser ? which + "." :
            "\(which); messages other than the last user message count with weight \(PolicyChangelog.threshold(s.otherMessageWeight))."
    }

    /// HTML text and attribute escaping.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }
}
