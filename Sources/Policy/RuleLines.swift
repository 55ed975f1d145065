import WardenCore

/// Where each rule was written, so that bound violations found after parsing name their line.
struct RuleLines {
    private var entries: [String: (line: Int?, path: String)] = [:]

    mutating func record(_ layer: String, _ category: ModerationCategory, _ direction: PolicyDirection, line: Int?, path: String) {
        entries["\(layer)|\(category.rawValue)|\(direction.rawValue)"] = (line, path)
    }

    mutating func record(key: String, line: Int?, path: String) { entries[key] = (line, path) }

    /// One issue per violation, in line order (violations without a line last).
    func locate(_ violations: [PolicyViolation], source: String) -> PolicyLoadError {
        let issues = violations.map { v in
            let layer = v.subject == "app policy" ? "app" : v.subject == "policy bounds" ? "bounds" : "defaults"
            let key = v.category.flatMap { c in v.direction.map { "\(layer)|\(c.rawValue)|\($0.rawValue)" } } ?? v.key
            let category = v.category?.rawValue ?? ""
            let place = entries[key] ?? entries["\(layer)|\(category)|input"] ?? entries["\(layer)|\(category)|output"]
            return PolicyLoadError.Issue(line: place?.line, path: "", message: v.description, source: source)
        }
        let ordered = issues.enumerated().sorted { a, b in
            (a.element.line ?? .max, a.offset) < (b.element.line ?? .max, b.offset)
        }
        return PolicyLoadError(ordered.map(\.element))
    }
}
