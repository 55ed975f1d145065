import Crypto
import Foundation

/// Sampling parameters sent with every request of a run.
public struct SamplingParams: Codable, Sendable, Hashable {
    public var temperature: Double
    public var topP: Double
    public var maxTokens: Int
    /// Base seed; sample `i` is sent with seed `seed + i`, so k samples differ yet reproduce.
    public var seed: Int

    public init(temperature: Double = 0.7, topP: Double = 1.0, maxTokens: Int = 96, seed: Int = 1) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
    }
}

/// One request of a run: which model, which messages, which parameters, which sample.
public struct CompletionRequest: Sendable, Hashable {
    public var model: String
    public var messages: [ChatMessage]
    public var params: SamplingParams
    public var sample: Int

    public init(model: String, messages: [ChatMessage], params: SamplingParams, sample: Int) {
        self.model = model
        self.messages = messages
        self.params = params
        self.sample = sample
    }

    /// The seed sent for this sample.
    public var seed: Int { params.seed + sample }

    /// The chat-completions body (JSON bytes).
    public func body() -> Data {
        let object: [String: Any] = [
            "model": model,
            "messages": messages.map { ["role": $0.role, "content": $0.content] },
            "temperature": params.temperature,
            "top_p": params.topP,
            "max_tokens": params.maxTokens,
            "seed": seed,
            "stream": false,
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    /// The cache key: SHA-256 of a canonical JSON of (model, messages, params, seed, sample index).
    /// Any change to any of them is a different request.
    public var cacheKey: String {
        let messagesPart = messages.map { [$0.role, $0.content] }
        let object: [String: Any] = [
            "model": model, "messages": messagesPart, "temperature": params.temperature, "top_p": params.topP,
            "max_tokens": params.maxTokens, "seed": seed, "sample": sample,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

/// What the endpoint answered to one request (successful answers only; errors are not cached).
public struct CompletionResult: Codable, Sendable, Equatable {
    public var content: String
    public var finishReason: String?
    /// The gateway's screening refused the request (400 `content_policy_violation`).
    public var blocked: Bool
    public init(content: String, finishReason: String? = nil, blocked: Bool = false) {
        self.content = content
        self.finishReason = finishReason
        self.blocked = blocked
    }
}
