import WardenCore

/// Reads an upstream's server-sent events as they arrive and decides what reaches the client.
/// Pure: bytes in, bytes out, no I/O, so every framing and fault case tests in microseconds.
///
/// - Events are split at blank lines (`\n\n` or `\r\n\r\n`), however the bytes are chunked.
/// - Each `data:` payload other than `[DONE]` must be JSON, or the stream is broken.
/// - The usage chunk Warden asked for is kept for the record and dropped when the client did not ask for it.
/// - Content deltas are counted (and collected when text is retained) for estimates and records.
///
/// ```swift
/// var relay = StreamRelay(clientWantsUsage: false, collectText: true)
/// let out = try relay.consume(Array("data: {\"choices\":[…]}\n\n".utf8))   // bytes to send
/// relay.finished   // true once `data: [DONE]` was seen
/// ```
public struct StreamRelay: Sendable {
    /// Screens content before it is relayed (the policy's output screen), when one is installed.
    public var gate: (any StreamContentGate)?
    /// The gate stopped the stream: a last `content_filter` chunk and `[DONE]` were sent instead.
    public private(set) var cut = false
    public enum Failure: Error, Equatable {
        case malformedEvent(String)
        case eventTooLarge
    }

    public let clientWantsUsage: Bool
    public let collectText: Bool
    public private(set) var finished = false
    public private(set) var promptTokens: Int?
    public private(set) var completionTokens: Int?
    /// Chunks that carried generated content: an estimate of completion tokens when usage is missing.
    public private(set) var contentDeltas = 0
    public private(set) var text = ""
    /// The upstream sent an `error` object inside the stream.
    public private(set) var upstreamError: String?
    private var pending: [UInt8] = []
    private var lastChunk: JSONValue?
    private let maxEventBytes: Int

    public init(clientWantsUsage: Bool, collectText: Bool, maxEventBytes: Int = 4 * 1024 * 1024) {
        self.clientWantsUsage = clientWantsUsage
        self.collectText = collectText
        self.maxEventBytes = maxEventBytes
    }

    /// Takes the next bytes from the upstream; returns the bytes to send to the client now.
    public mutating func consume(_ bytes: some Collection<UInt8>) throws(Failure) -> [UInt8] {
        pending.append(contentsOf: bytes)
        var out: [UInt8] = []
        var start = 0
        var i = 0
        let n = pending.count
        while i < n && !finished {
            if pending[i] == 0x0A {
                // Blank line: "\n\n" or "\n\r\n" ends an event.
                var end = -1
                if i + 1 < n, pending[i + 1] == 0x0A { end = i + 2 }
                else if i + 2 < n, pending[i + 1] == 0x0D, pending[i + 2] == 0x0A { end = i + 3 }
                if end > 0 {
                    try handleEvent(pending[start..<i], into: &out)
                    start = end
                    i = end
                    continue
                }
            }
            i += 1
        }
        pending.removeFirst(finished ? pending.count : start)
        if pending.count > maxEventBytes { throw .eventTooLarge }
        return out
    }

    /// Anything left unterminated when the upstream closed.
    public var hasPartialEvent: Bool { pending.contains { $0 != 0x0A && $0 != 0x0D && $0 != 0x20 } }

    private mutating func handleEvent(_ raw: ArraySlice<UInt8>, into out: inout [UInt8]) throws(Failure) {
        var data: [UInt8] = []
        var sawData = false
        for line in raw.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var line = line
            if line.last == 0x0D { line = line.dropLast() }
            guard line.starts(with: "data:".utf8) else { continue }
            var payload = line.dropFirst(5)
            if payload.first == 0x20 { payload = payload.dropFirst() }
            if sawData { data.append(0x0A) }
            data.append(contentsOf: payload)
            sawData = true
        }
        guard sawData else {
            out.append(contentsOf: raw)   // comments and keep-alives pass through
            out.append(contentsOf: [0x0A, 0x0A])
            return
        }
        if data.elementsEqual("[DONE]".utf8) {
            finished = true
            if gate?.finish() == false {
                cut = true
                out.append(contentsOf: Self.contentFilterChunk(like: lastChunk))
            }
            out.append(contentsOf: "data: [DONE]\n\n".utf8)
            return
        }
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch { throw .malformedEvent(error.description) }
        if gate != nil, json["choices"] != nil { lastChunk = json }
        if let error = json["error"], error.isObject {
            upstreamError = error["message"]?.string ?? "error"
        }
        if let usage = json["usage"], usage.isObject {
            promptTokens = usage["prompt_tokens"]?.int ?? promptTokens
            completionTokens = usage["completion_tokens"]?.int ?? completionTokens
            if !clientWantsUsage, json["choices"]?.array?.isEmpty ?? true { return }
        }
        if gate != nil, let delta = Self.content(of: json), gate?.admit(delta) == false {
            cut = true
            finished = true
            out.append(contentsOf: Self.contentFilterChunk(like: json))
            out.append(contentsOf: "data: [DONE]\n\n".utf8)
            return
        }
        noteContent(json)
        out.append(contentsOf: "data: ".utf8)
        out.append(contentsOf: data)
        out.append(contentsOf: [0x0A, 0x0A])
    }

    /// The generated text of one chunk (all choices), `nil` when it carries none.
    static func content(of json: JSONValue) -> String? {
        guard let choices = json["choices"]?.array else { return nil }
        let pieces = choices.compactMap { $0["delta"]?["content"]?.string ?? $0["text"]?.string }.filter { !$0.isEmpty }
        return pieces.isEmpty ? nil : pieces.joined()
    }

    /// The chunk that ends a stream cut by the policy, shaped like the upstream's chunks (same
    /// id, model and object) with an empty delta and `finish_reason: "content_filter"`.
    static func contentFilterChunk(like chunk: JSONValue?) -> [UInt8] {
        let isChat = chunk?["choices"]?.array?.first?["delta"] != nil || chunk == nil
        var members: [(String, JSONValue)] = []
        for key in ["id", "object", "created", "model"] { if let v = chunk?[key] { members.append((key, v)) } }
        let choice: JSONValue = isChat
            ? .object([("index", .number("0")), ("delta", .object([])), ("finish_reason", .string("content_filter"))])
            : .object([("index", .number("0")), ("text", .string("")), ("finish_reason", .string("content_filter"))])
        members.append(("choices", .array([choice])))
        return Array("data: ".utf8) + JSONValue.object(members).serialized() + Array("\n\n".utf8)
    }

    private mutating func noteContent(_ json: JSONValue) {
        guard let choices = json["choices"]?.array else { return }
        for choice in choices {
            let piece = choice["delta"]?["content"]?.string ?? choice["text"]?.string
            guard let piece, !piece.isEmpty else { continue }
            contentDeltas += 1
            if collectText { text += piece }
        }
    }

    /// The terminating event sent when the stream cannot go on: an OpenAI-shaped error the SDKs raise.
    public static func errorEvent(_ error: OpenAIError) -> [UInt8] {
        Array("data: ".utf8) + Array(error.jsonBody()) + Array("\n\ndata: [DONE]\n\n".utf8)
    }
}

/// Screens streamed content before it is relayed: `admit` each delta (false: cut the stream
/// before it), `finish` at the end of the stream (false: the tail violates).
public protocol StreamContentGate: Sendable {
    mutating func admit(_ delta: String) -> Bool
    mutating func finish() -> Bool
}
