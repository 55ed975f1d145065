import Foundation
import WardenCore
import Yams

/// Walks a composed Yams document with strict checks; every error names the line and key path.
/// JSON documents go through the same path (JSON is YAML's flow style), so they get lines too.
struct NodeReader {
    let source: String

    func fail(_ node: Node?, _ path: String, _ message: String) -> PolicyLoadError {
        PolicyLoadError(source: source, line: node?.mark?.line, path: path, message: message)
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// A mapping's entries in document order; unknown keys and duplicates are errors.
    func mapping(_ node: Node, _ path: String, allowed: [String]) throws -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let m) = node else { throw fail(node, path, "expected a mapping (key: value), found \(kind(node))") }
        var seen = Set<String>()
        var out: [(String, Node, Node)] = []
        for (k, v) in m {
            guard case .scalar(let s) = k else { throw fail(k, path, "keys must be plain strings") }
            let key = s.string
            guard allowed.contains(key) else {
                throw fail(k, Self.join(path, key), "unknown key '\(key)'; expected one of: \(allowed.joined(separator: ", "))")
            }
            guard seen.insert(key).inserted else { throw fail(k, Self.join(path, key), "duplicate key '\(key)'") }
            out.append((key, k, v))
        }
        return out
    }

    /// A mapping keyed by category names.
    func categoryMapping(_ node: Node, _ path: String) throws -> [(category: ModerationCategory, value: Node, path: String)] {
        let names = ModerationCategory.allCases.map(\.rawValue)
        guard case .mapping(let m) = node else { throw fail(node, path, "expected a mapping of categories, found \(kind(node))") }
        var seen = Set<ModerationCategory>()
        var out: [(ModerationCategory, Node, String)] = []
        for (k, v) in m {
            let name = k.scalar?.string ?? ""
            guard let c = ModerationCategory(rawValue: name) else {
                throw fail(k, Self.join(path, name), "unknown category '\(name)'; expected one of: \(names.joined(separator: ", "))")
            }
            guard seen.insert(c).inserted else { throw fail(k, Self.join(path, name), "duplicate category '\(name)'") }
            out.append((c, v, Self.join(path, name)))
        }
        return out
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node else { return false }
        return s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// A threshold in [0, 1]; `null`, `never` or `none` mean "never fires" (nil).
    func threshold(_ node: Node, _ path: String) throws -> Double? {
        guard case .scalar(let s) = node else { throw fail(node, path, "expected a number in [0, 1], found \(kind(node))") }
        if isNull(node) || ["never", "none"].contains(s.string) { return nil }
        guard let x = Double(s.string), x.isFinite else {
            throw fail(node, path, "'\(s.string)' is not a number; expected a threshold in [0, 1] or never")
        }
        guard (0...1).contains(x) else { throw fail(node, path, "\(s.string) is outside [0, 1]") }
        return x
    }

    func fraction(_ node: Node, _ path: String) throws -> Double {
        guard case .scalar(let s) = node, let x = Double(s.string), x.isFinite else {
            throw fail(node, path, "expected a number in [0, 1], found \(describe(node))")
        }
        guard (0...1).contains(x) else { throw fail(node, path, "\(s.string) is outside [0, 1]") }
        return x
    }

    func int(_ node: Node, _ path: String, min: Int) throws -> Int {
        guard case .scalar(let s) = node, let x = Int(s.string) else {
            throw fail(node, path, "expected a whole number, found \(describe(node))")
        }
        guard x >= min else { throw fail(node, path, "\(x) must be at least \(min)") }
        return x
    }

    func bool(_ node: Node, _ path: String) throws -> Bool {
        guard case .scalar(let s) = node, s.style == .plain, ["true", "false"].contains(s.string) else {
            throw fail(node, path, "expected true or false, found \(describe(node))")
        }
        return s.string == "true"
    }

    func string(_ node: Node, _ path: String) throws -> String {
        guard case .scalar(let s) = node else { throw fail(node, path, "expected a string, found \(kind(node))") }
        return s.string
    }

    func optionalString(_ node: Node, _ path: String) throws -> String? {
        isNull(node) ? nil : try string(node, path)
    }

    func strings(_ node: Node, _ path: String) throws -> [(String, Node)] {
        guard case .sequence(let seq) = node else { throw fail(node, path, "expected a list of strings, found \(kind(node))") }
        return try seq.enumerated().map { i, item in (try string(item, "\(path)[\(i)]"), item) }
    }

    func choice<E: RawRepresentable & CaseIterable>(_ node: Node, _ path: String, as: E.Type) throws -> E where E.RawValue == String {
        let text = try string(node, path)
        guard let e = E(rawValue: text) else {
            throw fail(node, path, "unknown value '\(text)'; expected one of: \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return e
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    func describe(_ node: Node) -> String { kind(node) }

    /// Composes text into a node; nil for an empty document.
    func compose(_ text: String) throws -> Node? {
        do { return try Yams.compose(yaml: text) } catch { throw PolicyLoadError.syntax(error, source: source) }
    }
}
