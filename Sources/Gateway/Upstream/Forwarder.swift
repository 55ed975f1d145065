import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import WardenCore

/// Step "forward": sends the validated call to its upstream and relays the answer, whole or as a
/// stream of server-sent events, noting tokens, text and faults on the request's meter.
/// Every upstream fault becomes an OpenAI-shaped error (before the response starts) or a
/// terminating error event (after it started); nothing hangs past the upstream's read timeout.
struct Forwarder: Sendable {
    let upstreams: UpstreamClients
    let metrics: GatewayMetrics
    /// Whether to collect prompt and completion text for the usage record.
    let collectText: Bool
    /// Largest non-streamed upstream response accepted.
    let maxResponseBytes = 64 * 1024 * 1024

    static let eventStreamHeaders: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    func handle(_ request: Request, context: WardenRequestContext) async throws -> Response {
        guard let call = context.call else { throw OpenAIError.internalError("the call was not read") }
        if collectText { context.meter.update { $0.promptText = call.promptText } }
        let upstream = call.route.upstream
        do {
            let response = try await upstreams.send(
                upstream: upstream, method: .POST, path: call.endpoint.upstreamPath,
                body: Self.upstreamBody(for: call), requestID: context.requestID)
            if response.status.code >= 400 {
                return try await relayUpstreamError(response, upstream: upstream, meter: context.meter)
            }
            let contentType = response.headers.first(name: "content-type") ?? ""
            if call.stream && contentType.contains("text/event-stream") {
                return relayStream(response, call: call, context: context)
            }
            return try await relayWhole(response, call: call, meter: context.meter, screen: context.outputScreen)
        } catch let error as OpenAIError {
            metrics.upstreamError(upstream: upstream, code: error.code ?? "\(error.status)")
            throw error
        } catch {
            let error = UpstreamClients.classify(error, upstream: upstream)
            metrics.upstreamError(upstream: upstream, code: error.code ?? "\(error.status)")
            throw error
        }
    }

    /// The body sent upstream: the model renamed to the upstream's name, and for streams the
    /// usage chunk requested (so tokens are counted exactly whatever the client asked).
    static func upstreamBody(for call: ModelCall) -> [UInt8] {
        var body = call.body
        body["model"] = .string(call.route.upstreamModel)
        if call.stream {
            var options = body["stream_options"] ?? .object([])
            options["include_usage"] = .bool(true)
            body["stream_options"] = options
        }
        return body.serialized()
    }

    private func relayWhole(_ response: HTTPClientResponse, call: ModelCall, meter: UsageMeter, screen: OutputScreen?) async throws -> Response {
        let buffer = try await response.body.collect(upTo: maxResponseBytes)
        let json: JSONValue
        do { json = try JSONValue.parse(buffer.readableBytesView) } catch {
            throw OpenAIError.upstreamBadResponse(call.route.upstream, "invalid JSON: \(error.description)")
        }
        let usage = json["usage"]
        let estimated = usage?["prompt_tokens"]?.int == nil
            || (call.endpoint != .embeddings && usage?["completion_tokens"]?.int == nil)
        let collect = collectText
        // The completion text is gathered only when it is kept, screened or needed for an estimate.
        let completion = collect || estimated || screen != nil ? Self.completionText(json) : ""
        var body = buffer
        if let screen {
            let (decision, replaced) = try await screen.screenWholeWhereItBelongs(json, text: completion)
            meter.update { $0.outputDecision = decision.record }
            if let replaced { body = ByteBuffer(bytes: replaced.serialized()) }
        }
        meter.update {
            $0.promptTokens = usage?["prompt_tokens"]?.int ?? TokenEstimate.tokens(utf8Count: call.promptUTF8Count)
            $0.completionTokens = usage?["completion_tokens"]?.int ?? (call.endpoint == .embeddings ? 0 : TokenEstimate.tokens(in: completion))
            $0.tokensEstimated = estimated
            $0.firstByteAt = .now
            if collect { $0.completionText = completion }
        }
        return Response(status: .ok, headers: Self.jsonHeaders, body: .init(byteBuffer: body))
    }

    private func relayStream(_ response: HTTPClientResponse, call: ModelCall, context: WardenRequestContext) -> Response {
        let meter = context.meter
        let upstreamName = call.route.upstream
        let collect = collectText
        let body = response.body
        return Response(status: .ok, headers: Self.eventStreamHeaders, body: ResponseBody { writer in
            // The relay lives in a box for the stream's life, so chunks screened on the blocking
            // pool (a classifier that may take milliseconds) reach it without copying its buffers.
            let box = RelayBox(StreamRelay(clientWantsUsage: call.clientWantsStreamUsage, collectText: collect))
            box.relay.gate = context.outputScreen?.streamGate()
            let offload = context.outputScreen.flatMap { $0.offloads ? $0 : nil }
            var failure: OpenAIError?
            do {
                for try await chunk in body {
                    let out = try await Self.consume(chunk, into: box, on: offload)
                    if !out.isEmpty {
                        meter.update { if $0.firstByteAt == nil { $0.firstByteAt = .now } }
                        do { try await writer.write(ByteBuffer(bytes: out)) } catch { throw ClientGone() }
                    }
                    if box.relay.finished { break }
                }
                if !box.relay.finished {
                    failure = .upstreamBadResponse(upstreamName, "the event stream ended without [DONE]")
                }
            } catch is ClientGone {
                meter.update { $0.lateErrorCode = "client_disconnected" }
                Self.noteStreamUsage(box.relay, call: call, meter: meter)
                throw CancellationError()
            } catch let error as StreamRelay.Failure {
                failure = .upstreamBadResponse(upstreamName, "\(error)")
            } catch {
                failure = UpstreamClients.classify(error, upstream: upstreamName)
            }
            if box.relay.upstreamError != nil, failure == nil {
                meter.update { $0.lateErrorCode = "upstream_stream_error" }
            }
            if let failure {
                meter.update { $0.lateErrorCode = failure.code }
                try await writer.write(ByteBuffer(bytes: StreamRelay.errorEvent(failure)))
            }
            Self.noteStreamUsage(box.relay, call: call, meter: meter)
            try await writer.finish(nil)
        })
    }

    /// The relay's output for `chunk`: inline when no screening may block, or when the fast tier
    /// settles every window the chunk completes; otherwise on the blocking pool.
    private static func consume(_ chunk: ByteBuffer, into box: RelayBox, on screen: OutputScreen?) async throws -> [UInt8] {
        guard let screen else { return try box.relay.consume(chunk.readableBytesView) }
        if screen.triesInline, let out = try box.consumeInline(chunk.readableBytesView, classifier: screen.classifier) {
            return out
        }
        return try await screen.run { try box.relay.consume(chunk.readableBytesView) }
    }

    private static func noteStreamUsage(_ relay: StreamRelay, call: ModelCall, meter: UsageMeter) {
        // The prompt is walked for an estimate only when the upstream reported no usage.
        let promptTokens = relay.promptTokens ?? TokenEstimate.tokens(utf8Count: call.promptUTF8Count)
        let decision = (relay.gate as? PolicyStreamGate)?.decision?.record
        meter.update {
            if let decision { $0.outputDecision = decision }
            if relay.cut { $0.lateErrorCode = "content_filter" }
            $0.promptTokens = promptTokens
            $0.completionTokens = relay.completionTokens ?? relay.contentDeltas
            $0.tokensEstimated = relay.promptTokens == nil || relay.completionTokens == nil
            if relay.collectText { $0.completionText = relay.text }
        }
    }

    /// Relays an upstream's error status: its OpenAI-shaped body as is, anything else wrapped in that shape.
    private func relayUpstreamError(_ response: HTTPClientResponse, upstream: String, meter: UsageMeter) async throws -> Response {
        let status = Int(response.status.code)
        let buffer = (try? await response.body.collect(upTo: 1024 * 1024)) ?? ByteBuffer()
        let bytes = Array(buffer.readableBytesView)
        if let json = try? JSONValue.parse(bytes), let error = json["error"], error.isObject {
            let code = error["code"]?.string ?? "upstream_error"
            meter.update { $0.errorCode = code }
            metrics.upstreamError(upstream: upstream, code: "http_\(status)")
            return Response(status: .init(code: status), headers: Self.jsonHeaders, body: .init(byteBuffer: buffer))
        }
        let snippet = String(decoding: bytes.prefix(200), as: UTF8.self)
        // Counted once, by `handle`, like every thrown upstream error.
        throw OpenAIError(
            status: status, message: "The model server '\(upstream)' answered \(status): \(snippet)",
            type: status < 500 ? "invalid_request_error" : "api_error", code: "upstream_error")
    }

    /// The generated text of a non-streamed completion (chat or text).
    static func completionText(_ json: JSONValue) -> String {
        guard let choices = json["choices"]?.array else { return "" }
        return choices.compactMap { $0["message"]?["content"]?.string ?? $0["text"]?.string }.joined(separator: "\n")
    }

    struct ClientGone: Error {}
}

/// Token counts when the upstream reports none: about 4 characters a token for English text
/// (the rule of thumb OpenAI documents), rounded up. Stated as an estimate on the record.
public enum TokenEstimate {
    public static func tokens(in text: String) -> Int {
        tokens(utf8Count: text.utf8.count)
    }

    public static func tokens(utf8Count n: Int) -> Int {
        n == 0 ? 0 : (n + 3) / 4
    }
}

