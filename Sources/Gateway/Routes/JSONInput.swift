import Foundation
import WardenCore

/// A request body read as a JSON object, checked the same way everywhere: not an object is
/// `invalid_json`, an unknown field and a missing or blank required text are 400s naming the field.
///
/// ```swift
/// let body = try JSONInput(data, fields: ["reason", "policy"], shape: #"{"reason": "…", "policy": {…}}"#)
/// let reason = try body.text("reason", why: "changes are audited: say why")
/// ```
struct JSONInput {
    let object: [String: Any]

    /// `fields`: the fields allowed (`nil`: any); `shape`: what the body should look like, for the error.
    init(_ data: Data, fields: Set<String>?, shape: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw OpenAIError.invalidJSON("expected \(shape)")
        }
        if let fields, let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw OpenAIError.invalidRequest("Unknown field '\(unknown)'.", param: unknown)
        }
        self.object = object
    }

    subscript(key: String) -> Any? { object[key] }

    /// A required, non-blank string; `why` explains it in the error.
    func text(_ key: String, why: String? = nil) throws -> String {
        guard let value = object[key] as? String, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OpenAIError.invalidRequest("Missing required parameter: '\(key)'\(why.map { " (\($0))" } ?? "").", param: key)
        }
        return value
    }
}
