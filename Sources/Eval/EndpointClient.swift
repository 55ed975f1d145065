import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A failure talking to the endpoint, after retries.
public struct EndpointError: Error, CustomStringConvertible, Sendable {
    public var status: Int?
    public var message: String
    public var description: String { status.map { "HTTP \($0): \(message)" } ?? message }
}

/// Anything that answers chat-completion requests (the HTTP client; a test double).
public protocol CompletionProviding: Sendable {
    func complete(_ request: CompletionRequest) async throws -> CompletionResult
}

/// Calls `POST {baseURL}/chat/completions` on any OpenAI-compatible endpoint (llama.cpp, vLLM,
/// OpenAI, Warden's gateway), retrying 429/5xx and transport failures per `RetryPolicy`.
///
/// ```swift
/// let client = EndpointClient(baseURL: "http://127.0.0.1:8080/v1", apiKey: key)
/// let result = try await client.complete(request)
/// try await client.shutdown()
/// ```
/// A 400 whose error code is `content_policy_violation` (Warden's screening) is an answer, not an
/// error: it comes back as `blocked`.
public final class EndpointClient: CompletionProviding {
    public let baseURL: String
    let apiKey: String?
    let client: HTTPClient
    let retry: RetryPolicy
    let timeout: TimeAmount
    /// Retries made so far (for the run's summary).
    public let retries = Counter()

    public init(baseURL: String, apiKey: String?, retry: RetryPolicy = RetryPolicy(), timeoutSeconds: Double = 300, maxConnections: Int = 16) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.retry = retry
        self.timeout = .milliseconds(Int64(timeoutSeconds * 1000))
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .milliseconds(Int64(timeoutSeconds * 1000)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async throws { try await client.shutdown() }

    public func complete(_ request: CompletionRequest) async throws -> CompletionResult {
        let body = request.body()
        var attempt = 0
        while true {
            let outcome: Attempt
            do { outcome = try await send(body) } catch {
                outcome = .retryable(EndpointError(status: nil, message: "\(error)"), retryAfter: nil)
            }
            switch outcome {
            case .done(let result): return result
            case .fatal(let error): throw error
            case .retryable(let error, let retryAfter):
                guard attempt < retry.maxRetries else {
                    throw EndpointError(status: error.status, message: "\(error.message) (gave up after \(attempt + 1) attempts)")
                }
                let wait = retry.delay(attempt: attempt, retryAfter: retryAfter, jitter: Double.random(in: 0.5...1))
                retries.increment()
                attempt += 1
                try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            }
        }
    }

    enum Attempt {
        case done(CompletionResult)
        case retryable(EndpointError, retryAfter: String?)
        case fatal(EndpointError)
    }

    func send(_ body: Data) async throws -> Attempt {
        var req = HTTPClientRequest(url: baseURL + "/chat/completions")
        req.method = .POST
        req.headers.add(name: "content-type", value: "application/json")
        req.headers.add(name: "accept", value: "application/json")
        if let apiKey { req.headers.add(name: "authorization", value: "Bearer \(apiKey)") }
        req.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(req, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        let bytes = Data(buffer.readableBytesView)
        return Self.interpret(status: Int(response.status.code), retryAfter: response.headers.first(name: "retry-after"), body: bytes, retry: retry)
    }

    /// Maps a response to an answer, a retry or a failure. Pure (tested without a server).
    static func interpret(status: Int, retryAfter: String?, body: Data, retry: RetryPolicy) -> Attempt {
        let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        if status == 200 {
            guard let choices = json?["choices"] as? [[String: Any]], let first = choices.first else {
                return .retryable(EndpointError(status: 200, message: "response has no choices: \(snippet(body))"), retryAfter: nil)
            }
            let message = first["message"] as? [String: Any]
            let content = message?["content"] as? String ?? first["text"] as? String ?? ""
            return .done(CompletionResult(content: content, finishReason: first["finish_reason"] as? String))
        }
        let error = json?["error"] as? [String: Any]
        if status == 400, error?["code"] as? String == "content_policy_violation" {
            return .done(CompletionResult(content: "", finishReason: "content_filter", blocked: true))
        }
        let message = error?["message"] as? String ?? snippet(body)
        let failure = EndpointError(status: status, message: message)
        return retry.shouldRetry(status: status) ? .retryable(failure, retryAfter: retryAfter) : .fatal(failure)
    }

    static func snippet(_ body: Data) -> String {
        let s = String(decoding: body.prefix(200), as: UTF8.self)
        return s.isEmpty ? "(empty body)" : s
    }
}

/// A thread-safe counter.
public final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    public init() {}
    public func increment() { lock.withLock { n += 1 } }
    public var value: Int { lock.withLock { n } }
}
