import Foundation

/// A suite file that cannot be used: names the file, the line and what to fix.
public struct SuiteError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var line: Int?
    public var message: String
    public var description: String {
        line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)"
    }
}

/// Reads suites: JSONL, one `SuiteItem` per line; blank lines and lines starting with `#` are skipped.
///
/// ```swift
/// let suite = try SuiteLoader.load(path: "Suites/refusal.jsonl")
/// let items = try SuiteLoader.parse(data, name: "inline")   // from bytes
/// ```
/// Every problem is reported with its line: invalid UTF-8, malformed JSON, a missing or mistyped
/// key, both or neither of `prompt` and `messages`, duplicate ids, a `follow` item without constraints.
public enum SuiteLoader {
    /// Lines longer than this are rejected (a suite item is a prompt, not a document).
    public static let maxLineBytes = 1 << 20

    public static func load(path: String) throws -> Suite {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw SuiteError(path: path, line: nil, message: "cannot be read (\(error.localizedDescription)); check the path")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return Suite(name: name, items: try parse(data, path: path))
    }

    public static func parse(_ data: Data, path: String) throws -> [SuiteItem] {
        var items: [SuiteItem] = []
        var seen: [String: Int] = [:]
        let decoder = JSONDecoder()
        var lineNo = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            var bytes = raw
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            if bytes.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            if bytes.first == UInt8(ascii: "#") { continue }
            func fail(_ message: String) -> SuiteError { SuiteError(path: path, line: lineNo, message: message) }
            guard bytes.count <= maxLineBytes else { throw fail("line is \(bytes.count) bytes, over the \(maxLineBytes)-byte limit") }
            guard String(validating: bytes, as: UTF8.self) != nil else { throw fail("invalid UTF-8; save the file as UTF-8") }
            let item: SuiteItem
            do { item = try decoder.decode(SuiteItem.self, from: Data(bytes)) } catch let error as DecodingError {
                throw fail(describe(error))
            } catch {
                throw fail("not a JSON object: \(error.localizedDescription)")
            }
            if item.id.isEmpty { throw fail("key 'id' is empty; give every item a unique id") }
            if let first = seen[item.id] { throw fail("duplicate id '\(item.id)' (first on line \(first))") }
            seen[item.id] = lineNo
            switch (item.prompt, item.messages) {
            case (nil, nil): throw fail("item '\(item.id)' needs 'prompt' (a string) or 'messages' (a list of {role, content})")
            case (.some, .some): throw fail("item '\(item.id)' has both 'prompt' and 'messages'; keep one")
            case (.some(let p), nil) where p.isEmpty: throw fail("item '\(item.id)': 'prompt' is empty")
            case (nil, .some(let m)) where m.isEmpty: throw fail("item '\(item.id)': 'messages' is empty")
            default: break
            }
            if let m = item.messages, let bad = m.first(where: { !["system", "user", "assistant"].contains($0.role) }) {
                throw fail("item '\(item.id)': message role '\(bad.role)' is not system, user or assistant")
            }
            if item.expected == .follow && item.constraints.isEmpty {
                throw fail("item '\(item.id)' expects 'follow' but has no 'constraints'")
            }
            if (item.pair == nil) != (item.group == nil) {
                throw fail("item '\(item.id)': 'pair' and 'group' go together (a bias pair's id and this member's group)")
            }
            items.append(item)
        }
        if items.isEmpty { throw SuiteError(path: path, line: nil, message: "no items; a suite has one JSON object per line") }
        return items
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            let at = path(ctx.codingPath + [key])
            return "missing key '\(at)'"
        case .typeMismatch(let type, let ctx):
            if ctx.codingPath.isEmpty { return "not a JSON object; each line must be one {\"id\": …, \"prompt\": …} object" }
            return "key '\(path(ctx.codingPath))' should be \(typeName(type))"
        case .valueNotFound(let type, let ctx):
            return "key '\(path(ctx.codingPath))' is null; expected \(typeName(type))"
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty { return "malformed JSON; each line must be one JSON object" }
            let key = path(ctx.codingPath)
            if key == "expected" { return "key 'expected' must be one of \(ExpectedBehaviour.allCases.map(\.rawValue).joined(separator: ", "))" }
            return "key '\(key)' \(ctx.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is [String].Type: "a list of strings"
        case is [ChatMessage].Type: "a list of {role, content} objects"
        default: "\(type)"
        }
    }
}
