import WardenCore

/// Checks a request body against what the OpenAI API accepts for an endpoint, naming the
/// offending field in `param`. Pure: bytes in, a validated body or an `OpenAIError` out.
///
/// ```swift
/// let body = try ModelCallValidator.parse(bytes)                       // 400 on bad UTF-8 / JSON
/// try ModelCallValidator.validate(body, for: .chatCompletions)         // 400 naming the field
/// ```
public enum ModelCallValidator {
    /// Parses the body: valid UTF-8 and a JSON object, or a 400 that says which.
    public static func parse(_ bytes: [UInt8]) throws(OpenAIError) -> JSONValue {
        guard !bytes.isEmpty else { throw OpenAIError.invalidJSON("the body is empty") }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw OpenAIError.invalidUTF8 }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw OpenAIError.invalidJSON(error.description)
        }
        guard value.isObject else { throw OpenAIError.invalidRequest("The request body must be a JSON object, not \(value.typeName).") }
        return value
    }

    /// Validates the fields Warden relies on or that are plainly wrong; other fields pass to the upstream untouched.
    public static func validate(_ body: JSONValue, for endpoint: ModelEndpoint) throws(OpenAIError) {
        try requireString(body, "model")
        try optional(body, "stream", "a boolean") { $0.bool != nil }
        try optional(body, "user", "a string") { $0.string != nil }
        try optional(body, "stream_options", "an object") { $0.isObject }
        try optional(body, "max_tokens", "a non-negative integer") { ($0.int ?? -1) >= 0 }
        try optional(body, "max_completion_tokens", "a non-negative integer") { ($0.int ?? -1) >= 0 }
        if body["stream"]?.bool == true, !endpoint.supportsStreaming {
            throw OpenAIError.invalidRequest("'stream' is not supported for \(endpoint.rawValue).", param: "stream")
        }
        switch endpoint {
        case .chatCompletions: try validateMessages(body["messages"])
        case .completions: try requirePresent(body, "prompt", "a string or an array") { $0.string != nil || $0.array != nil }
        case .embeddings: try requirePresent(body, "input", "a string or an array") { $0.string != nil || $0.array != nil }
        }
    }

    static func validateMessages(_ messages: JSONValue?) throws(OpenAIError) {
        guard let messages else { throw OpenAIError.invalidRequest("Missing required parameter: 'messages'.", param: "messages") }
        guard let items = messages.array else {
            throw OpenAIError.invalidRequest("Invalid type for 'messages': expected an array, but got \(messages.typeName).", param: "messages")
        }
        guard !items.isEmpty else {
            throw OpenAIError.invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", param: "messages")
        }
        for (i, message) in items.enumerated() {
            guard message.isObject else {
                throw OpenAIError.invalidRequest("Invalid type for 'messages[\(i)]': expected an object, but got \(message.typeName).", param: "messages[\(i)]")
            }
            guard let role = message["role"] else {
                throw OpenAIError.invalidRequest("Missing required parameter: 'messages[\(i)].role'.", param: "messages[\(i)].role")
            }
            guard role.string != nil else {
                throw OpenAIError.invalidRequest("Invalid type for 'messages[\(i)].role': expected a string, but got \(role.typeName).", param: "messages[\(i)].role")
            }
            if let content = message["content"], content.string == nil, content.array == nil, !content.isNull {
                throw OpenAIError.invalidRequest("Invalid type for 'messages[\(i)].content': expected a string or an array, but got \(content.typeName).", param: "messages[\(i)].content")
            }
        }
    }

    static func requireString(_ body: JSONValue, _ field: String) throws(OpenAIError) {
        guard let value = body[field] else { throw OpenAIError.invalidRequest("Missing required parameter: '\(field)'.", param: field) }
        guard let s = value.string else {
            throw OpenAIError.invalidRequest("Invalid type for '\(field)': expected a string, but got \(value.typeName).", param: field)
        }
        guard !s.isEmpty else { throw OpenAIError.invalidRequest("'\(field)' must not be empty.", param: field) }
    }

    static func requirePresent(_ body: JSONValue, _ field: String, _ expected: String, _ ok: (JSONValue) -> Bool) throws(OpenAIError) {
        guard let value = body[field] else { throw OpenAIError.invalidRequest("Missing required parameter: '\(field)'.", param: field) }
        guard ok(value) else {
            throw OpenAIError.invalidRequest("Invalid type for '\(field)': expected \(expected), but got \(value.typeName).", param: field)
        }
    }

    static func optional(_ body: JSONValue, _ field: String, _ expected: String, _ ok: (JSONValue) -> Bool) throws(OpenAIError) {
        guard let value = body[field], !value.isNull else { return }
        guard ok(value) else {
            throw OpenAIError.invalidRequest("Invalid type for '\(field)': expected \(expected), but got \(value.typeName).", param: field)
        }
    }
}
