import Foundation

/// An error returned to clients in the OpenAI shape:
/// `{"error": {"message": …, "type": …, "param": …, "code": …}}` with the status the OpenAI API uses.
///
/// ```swift
/// throw OpenAIError.invalidRequest("'messages' must be an array", param: "messages")
/// ```
public struct OpenAIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    /// Extra response headers (e.g. `retry-after`).
    public var headers: [String: String]

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil, headers: [String: String] = [:]) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers
    }

    public var description: String { "\(status) \(code ?? type): \(message)" }

    /// The JSON body, `{"error": {...}}`, with `param` and `code` as `null` when absent.
    public func jsonBody() -> Data {
        var inner: [String: Any] = ["message": message, "type": type]
        inner["param"] = param ?? NSNull()
        inner["code"] = code ?? NSNull()
        return (try? JSONSerialization.data(withJSONObject: ["error": inner], options: [.sortedKeys])) ?? Data()
    }
}

extension OpenAIError {
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> Self {
        .init(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }
    public static func invalidJSON(_ detail: String) -> Self {
        .invalidRequest("We could not parse the JSON body of your request (\(detail)). Send a valid JSON object with 'Content-Type: application/json'.", code: "invalid_json")
    }
    public static let invalidUTF8 = OpenAIError.invalidRequest(
        "The request body is not valid UTF-8. Encode the JSON body as UTF-8.", code: "invalid_encoding")
    public static func bodyTooLarge(limit: Int) -> Self {
        .init(status: 413, message: "The request body exceeds the limit of \(limit) bytes. Send a smaller request.",
              type: "invalid_request_error", code: "request_too_large")
    }
    public static func modelNotFound(_ model: String) -> Self {
        .init(status: 404, message: "The model '\(model)' does not exist or you do not have access to it. GET /v1/models lists the models this gateway serves.",
              type: "invalid_request_error", param: "model", code: "model_not_found")
    }
    public static func invalidAPIKey(_ message: String) -> Self {
        .init(status: 401, message: message, type: "invalid_request_error", code: "invalid_api_key")
    }
    public static func upstreamUnavailable(_ upstream: String, _ detail: String) -> Self {
        .init(status: 502, message: "The model server '\(upstream)' could not be reached or dropped the connection (\(detail)). Retry later.",
              type: "api_error", code: "upstream_unavailable")
    }
    public static func upstreamTimeout(_ upstream: String) -> Self {
        .init(status: 504, message: "The model server '\(upstream)' did not answer in time. Retry later or lower max_tokens.",
              type: "api_error", code: "upstream_timeout")
    }
    public static func upstreamBadResponse(_ upstream: String, _ detail: String) -> Self {
        .init(status: 502, message: "The model server '\(upstream)' sent a response Warden could not read (\(detail)).",
              type: "api_error", code: "upstream_bad_response")
    }
    public static func notFound(_ path: String) -> Self {
        .init(status: 404, message: "Unknown path '\(path)'.", type: "invalid_request_error", code: "unknown_url")
    }
    public static func internalError(_ detail: String) -> Self {
        .init(status: 500, message: "Warden failed to handle the request (\(detail)).", type: "api_error", code: "internal_error")
    }
}
