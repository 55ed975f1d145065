import WardenCore

/// The model endpoints Warden forwards.
public enum ModelEndpoint: String, Sendable, CaseIterable {
    case chatCompletions = "/v1/chat/completions"
    case completions = "/v1/completions"
    case embeddings = "/v1/embeddings"

    /// Path below the upstream's base URL.
    var upstreamPath: String {
        switch self {
        case .chatCompletions: return "/chat/completions"
        case .completions: return "/completions"
        case .embeddings: return "/embeddings"
        }
    }

    var supportsStreaming: Bool { self != .embeddings }
}

/// A validated request to a model: what the client asked, and where it goes.
public struct ModelCall: Sendable {
    public var endpoint: ModelEndpoint
    /// The model name as the client sent it.
    public var requestedModel: String
    public var route: ResolvedRoute
    public var stream: Bool
    /// The client asked for the final usage chunk (`stream_options.include_usage`).
    public var clientWantsStreamUsage: Bool
    /// The request body, to be forwarded (after the steps' rewrites).
    public var body: JSONValue

    /// All prompt text of the call (messages' text content, or prompt, or input), for screening and recording.
    public var promptText: String {
        switch endpoint {
        case .chatCompletions: return (body["messages"]?.array ?? []).map { Self.text(of: $0["content"]) }.joined(separator: "\n")
        case .completions: return Self.strings(in: body["prompt"]).joined(separator: "\n")
        case .embeddings: return Self.strings(in: body["input"]).joined(separator: "\n")
        }
    }

    /// The UTF-8 length of `promptText`, counted without building it (for token estimates on the
    /// request path).
    public var promptUTF8Count: Int {
        func joined(_ parts: [String]) -> Int { parts.reduce(max(0, parts.count - 1)) { $0 + $1.utf8.count } }
        switch endpoint {
        case .chatCompletions:
            let messages = body["messages"]?.array ?? []
            return messages.reduce(max(0, messages.count - 1)) { $0 + joined(Self.strings(in: $1["content"])) }
        case .completions: return joined(Self.strings(in: body["prompt"]))
        case .embeddings: return joined(Self.strings(in: body["input"]))
        }
    }

    /// The text of a message's `content`: a string, or the `text` parts of a content array.
    public static func text(of content: JSONValue?) -> String {
        strings(in: content).joined(separator: "\n")
    }

    /// Every string in a prompt-like value: a string, an array of strings, content parts
    /// (`{"type": "text", "text": …}`); token arrays and images give nothing.
    public static func strings(in value: JSONValue?) -> [String] {
        var parts: [String] = []
        func collect(_ v: JSONValue?) {
            switch v {
            case .string(let s)?: parts.append(s)
            case .array(let items)?: items.forEach { collect($0) }
            case .object?:
                if let text = v?["text"] { collect(text) } else { collect(v?["content"]) }
            default: break
            }
        }
        collect(value)
        return parts
    }
}
