import Foundation
import Synchronization
import Hummingbird
import NIOCore

/// An OpenAI-compatible model server for tests, whose behaviour is chosen by the model name it
/// receives (the gateway's `upstream_name`): exact answers, delays, resets, malformed bodies,
/// and slow or broken streams.
enum FakeUpstream {
    /// The `user` field of every request the fake received (tests send a unique one to check
    /// whether a request reached the upstream).
    static let seenUsers = Mutex<Set<String>>([])
    /// Streams whose client (the gateway) went away before the end, by `user` field.
    static let cancelledStreams = Mutex<Set<String>>([])

    static func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("/v1/models") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"object":"list","data":[]}"#)))
        }
        router.post("/v1/chat/completions") { request, _ in try await respond(request, chat: true) }
        router.post("/v1/completions") { request, _ in try await respond(request, chat: false) }
        router.post("/v1/embeddings") { request, _ in
            var request = request
            _ = try await request.collectBody(upTo: 1 << 20)
            return json(#"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"e","usage":{"prompt_tokens":2,"total_tokens":2}}"#)
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func respond(_ request: Request, chat: Bool) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 22)
        let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as! [String: Any]
        let model = object["model"] as? String ?? ""
        let user = object["user"] as? String ?? ""
        if !user.isEmpty { _ = seenUsers.withLock { $0.insert(user) } }
        let lastUser = ((object["messages"] as? [[String: Any]]) ?? []).last { $0["role"] as? String == "user" }?["content"] as? String ?? ""
        let includeUsage = (object["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        switch model {
        case "slow":
            // Past the 2 s read timeout of `testConfig`, with a margin for a loaded machine.
            try await Task.sleep(for: .seconds(4))
            return json(completion(model, chat: chat))
        case "hold":
            // Answers after 1 s: a request that stays in flight while the test makes another
            // (250 ms later), and answers well within the 2 s read timeout even on a loaded machine.
            try await Task.sleep(for: .seconds(1))
            return json(completion(model, chat: chat))
        case "say":
            // The completion is the last user message, word for word.
            let content = String(decoding: try JSONSerialization.data(withJSONObject: [lastUser]), as: UTF8.self).dropFirst().dropLast()
            return json(#"{"id":"c1","object":"chat.completion","created":1,"model":"say","choices":[{"index":0,"message":{"role":"assistant","content":\#(content)},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"#)
        case "stream-say":
            return streamSay(lastUser, user: user)
        case "echo":
            // The completion is the request body as the upstream received it (what the gateway forwarded).
            let forwarded = String(decoding: body.readableBytesView, as: UTF8.self)
            let content = String(decoding: try JSONSerialization.data(withJSONObject: [forwarded], options: [.fragmentsAllowed]), as: UTF8.self).dropFirst().dropLast()
            return json(#"{"id":"c1","object":"chat.completion","created":1,"model":"echo","choices":[{"index":0,"message":{"role":"assistant","content":\#(content)},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"#)
        case "error500":
            return json(#"{"error":{"message":"model crashed","type":"server_error","param":null,"code":"crash"}}"#, status: .internalServerError)
        case "text502":
            return Response(status: .badGateway, body: .init(byteBuffer: ByteBuffer(string: "bad gateway from upstream")))
        case "malformed":
            return json(#"{"id": "x", "choices": [ {"#)
        case "no-usage":
            return json(#"{"id":"c1","object":"chat.completion","model":"no-usage","choices":[{"index":0,"message":{"role":"assistant","content":"abcdefgh"},"finish_reason":"stop"}]}"#)
        case "reset":
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(contentLength: 1000) { writer in
                try await writer.write(ByteBuffer(string: #"{"id":"#))
                throw CancellationError()
            })
        case let m where m.hasPrefix("stream"):
            return stream(model: m, chat: chat, includeUsage: includeUsage)
        default:
            return json(completion(model, chat: chat))
        }
    }

    static func completion(_ model: String, chat: Bool) -> String {
        let choice = chat
            ? #"{"index":0,"message":{"role":"assistant","content":"hello from fake"},"finish_reason":"stop"}"#
            : #"{"index":0,"text":"hello from fake","finish_reason":"stop"}"#
        return #"{"id":"c1","object":"chat.completion","created":1,"model":"\#(model)","choices":[\#(choice)],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"#
    }

    /// Streams `text` in 8-character pieces, 5 ms apart, noting when the gateway hangs up early.
    static func streamSay(_ text: String, user: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
            var rest = Substring(text)
            do {
                while !rest.isEmpty {
                    let piece = String(rest.prefix(8))
                    rest = rest.dropFirst(8)
                    let data = try JSONSerialization.data(withJSONObject: ["id": "s1", "object": "chat.completion.chunk", "model": "say",
                                                                           "choices": [["index": 0, "delta": ["content": piece]]]])
                    try await writer.write(ByteBuffer(string: "data: " + String(decoding: data, as: UTF8.self) + "\n\n"))
                    try await Task.sleep(for: .milliseconds(5))
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            } catch {
                _ = cancelledStreams.withLock { $0.insert(user) }
                throw error
            }
        })
    }

    static func stream(model: String, chat: Bool, includeUsage: Bool) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
            for piece in ["Hel", "lo", " there"] {
                let delta = chat ? #"{"delta":{"content":"\#(piece)"},"index":0}"# : #"{"text":"\#(piece)","index":0}"#
                // Split each event across two writes to exercise reassembly.
                let event = #"data: {"id":"s1","object":"chat.completion.chunk","choices":[\#(delta)]}"# + "\n\n"
                let cut = event.index(event.startIndex, offsetBy: 20)
                try await writer.write(ByteBuffer(string: String(event[..<cut])))
                try await writer.write(ByteBuffer(string: String(event[cut...])))
                if model == "stream-slow" { try await Task.sleep(for: .seconds(4)) }
            }
            switch model {
            case "stream-malformed":
                try await writer.write(ByteBuffer(string: "data: {not json}\n\n"))
            case "stream-reset":
                throw CancellationError()
            case "stream-nodone":
                break
            default:
                if includeUsage {
                    try await writer.write(ByteBuffer(string: #"data: {"id":"s1","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":3,"total_tokens":14}}"# + "\n\n"))
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            }
            try await writer.finish(nil)
        })
    }
}
