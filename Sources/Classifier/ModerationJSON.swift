import Foundation
import WardenCore

/// The line formats of `warden classify`: `{"input": "..."}` rows in, one
/// `{"flagged", "categories", "category_scores"}` object per row out (categories in the public
/// API's order).
public enum ModerationJSON {
    public struct InputError: Error, CustomStringConvertible, Sendable {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Parses one `{"input": "..."}` row. Errors name the line number.
    public static func parseInput(_ bytes: [UInt8], line: Int) throws -> String {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw InputError(line: line, reason: "invalid UTF-8")
        }
        let obj: Any
        do { obj = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) }
        catch { throw InputError(line: line, reason: "invalid JSON") }
        guard let dict = obj as? [String: Any] else {
            throw InputError(line: line, reason: "expected an object like {\"input\": \"text\"}")
        }
        guard let input = dict["input"] as? String else {
            throw InputError(line: line, reason: "missing string field \"input\"")
        }
        return input
    }

    /// One result as a compact JSON object.
    public static func format(_ r: ModerationResult) -> String {
        var s = "{\"flagged\":\(r.flagged),\"categories\":{"
        for (i, c) in ModerationCategory.allCases.enumerated() {
            if i > 0 { s += "," }
            s += "\"\(c.rawValue)\":\(r.categories[c] ?? false)"
        }
        s += "},\"category_scores\":{"
        for (i, c) in ModerationCategory.allCases.enumerated() {
            if i > 0 { s += "," }
            s += "\"\(c.rawValue)\":" + number(r.categoryScores[c] ?? 0)
        }
        return s + "}}"
    }

    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        if v == 0 { return "0" }
        return String(format: "%.6g", v)
    }
}
