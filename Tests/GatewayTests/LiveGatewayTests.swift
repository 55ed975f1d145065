import HTTPTypes
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Store
import Testing
import WardenCore
@testable import Gateway

/// The gateway through real HTTP on loopback, in front of a fake upstream on loopback.
@Suite struct LiveGatewayTests {
    @Test func chatCompletionIsRelayedAndRecorded() async throws {
        try await withLiveGateway({ client, f in
            let r = try await client.post("/v1/chat/completions", key: f.key, json: chat("gpt-4o-mini", extra: #","user":"end-user-7""#))
            #expect(r.status == .ok)
            #expect(r.json["choices"]?.array?.first?["message"]?["content"]?.string == "hello from fake")
            #expect(r.json["model"]?.string == "ok")  // the upstream saw its own model name
            #expect(r.headers[HTTPField.Name("x-request-id")!]?.hasPrefix("req_") == true)
        }, afterShutdown: { f in
            let record = try #require(try await f.store.usage(limit: 10).first)
            #expect(record.status == 200)
            #expect(record.model == "m-ok")
            #expect(record.upstream == "fake")
            #expect(record.orgId == f.orgID && record.appId == f.appID && record.keyId == f.keyID)
            #expect(record.endUser == "end-user-7")
            #expect(record.promptTokens == 7 && record.completionTokens == 3 && !record.tokensEstimated)
            #expect(record.promptText == "Say hello")
            #expect(record.completionText == "hello from fake")
            #expect(record.firstByteMs != nil && record.totalMs >= record.firstByteMs!)
        })
    }

    @Test func streamIsRelayedWithoutTheUsageChunkTheClientDidNotAskFor() async throws {
        try await withLiveGateway({ client, f in
            let r = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-stream", stream: true),
                                          headers: [HTTPField.Name("x-warden-end-user")!: "eu-header"])
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "text/event-stream")
            let events = r.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.count == 4)
            #expect(events.last == "data: [DONE]")
            #expect(!r.text.contains("usage"))
        }, afterShutdown: { f in
            let record = try #require(try await f.store.usage(limit: 1).first)
            #expect(record.stream)
            #expect(record.promptTokens == 11 && record.completionTokens == 3 && !record.tokensEstimated)
            #expect(record.completionText == "Hello there")
            #expect(record.endUser == "eu-header")
            #expect(record.errorCode == nil)
        })
    }

    @Test func streamKeepsTheUsageChunkWhenAsked() async throws {
        try await withLiveGateway { client, f in
            let r = try await client.post("/v1/chat/completions", key: f.key,
                                          json: chat("m-stream", stream: true, extra: #","stream_options":{"include_usage":true}"#))
            #expect(r.text.contains(#""usage":{"prompt_tokens":11"#))
        }
    }

    @Test(arguments: [("m-stream-nodone", "upstream_bad_response"), ("m-stream-malformed", "upstream_bad_response"),
                      ("m-stream-reset", "upstream_unavailable"), ("m-stream-slow", "upstream_timeout")])
    func brokenStreamsEndWithAnErrorEvent(model: String, code: String) async throws {
        try await withLiveGateway({ client, f in
            let r = try await client.post("/v1/chat/completions", key: f.key, json: chat(model, stream: true))
            #expect(r.status == .ok)
            #expect(r.text.hasPrefix("data: {"))
            #expect(r.text.contains(#""code":"\#(code)""#), "\(r.text)")
            #expect(r.text.hasSuffix("data: [DONE]\n\n"))
        }, afterShutdown: { f in
            let record = try #require(try await f.store.usage(limit: 1).first)
            #expect(record.errorCode == code)
        })
    }

    @Test(arguments: [
        ("m-error500", 500, "crash"), ("m-text502", 502, "upstream_error"), ("m-malformed", 502, "upstream_bad_response"),
        ("m-reset", 502, "upstream_unavailable"), ("m-slow", 504, "upstream_timeout"), ("m-down", 502, "upstream_unavailable"),
    ])
    func upstreamFaultsBecomeOpenAIErrors(model: String, status: Int, code: String) async throws {
        try await withLiveGateway({ client, f in
            let r = try await client.post("/v1/chat/completions", key: f.key, json: chat(model))
            #expect(Int(r.status.code) == status)
            #expect(r.errorCode == code, "\(r.text)")
            #expect(r.json["error"]?["message"]?.string?.isEmpty == false)
        }, afterShutdown: { f in
            let record = try #require(try await f.store.usage(limit: 1).first)
            #expect(record.status == status)
            #expect(record.errorCode == code)
        })
    }

    @Test func upstreamErrorsAreCountedOnce() async throws {
        try await withLiveGateway { client, f in
            _ = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-text502"))
            _ = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-error500"))
            let metrics = try await client.get("/metrics", key: nil).text
            let lines = metrics.split(separator: "\n").filter { $0.hasPrefix("warden_upstream_errors_total{") }
            #expect(lines.count == 2, "\(lines)")
            #expect(lines.contains(#"warden_upstream_errors_total{upstream="fake",code="upstream_error"} 1"#))
            #expect(lines.contains(#"warden_upstream_errors_total{upstream="fake",code="http_500"} 1"#))
        }
    }

    @Test func missingUsageIsEstimated() async throws {
        try await withLiveGateway({ client, f in
            let r = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-no-usage"))
            #expect(r.status == .ok)
        }, afterShutdown: { f in
            let record = try #require(try await f.store.usage(limit: 1).first)
            #expect(record.tokensEstimated)
            #expect(record.promptTokens == 3)       // "Say hello": 9 bytes → 3
            #expect(record.completionTokens == 2)   // "abcdefgh": 8 bytes → 2
        })
    }

    @Test func completionsAndEmbeddingsPassThrough() async throws {
        try await withLiveGateway { client, f in
            let c = try await client.post("/v1/completions", key: f.key, json: #"{"model":"m-ok","prompt":"Once"}"#)
            #expect(c.json["choices"]?.array?.first?["text"]?.string == "hello from fake")
            let e = try await client.post("/v1/embeddings", key: f.key, json: #"{"model":"m-ok","input":"x"}"#)
            #expect(e.json["data"]?.array?.count == 1)
            let s = try await client.post("/v1/completions", key: f.key, json: #"{"model":"m-stream","prompt":"Once","stream":true}"#)
            #expect(s.text.contains(#""text":" there""#))
        }
    }

    @Test func badRequestsGetClearErrorsAndAreRecorded() async throws {
        try await withLiveGateway({ client, f in
            let cases: [(String, [UInt8], Int, String?, String?)] = [
                ("malformed json", Array(#"{"model": "m-ok", "messages": [}"#.utf8), 400, "invalid_json", nil),
                ("invalid utf8", Array(#"{"model":"m-ok","messages":[{"role":"user","content":""#.utf8) + [0xff, 0xfe] + Array(#""}]}"#.utf8), 400, "invalid_encoding", nil),
                ("not an object", Array("[1,2]".utf8), 400, nil, nil),
                ("missing model", Array(#"{"messages":[{"role":"user","content":"x"}]}"#.utf8), 400, nil, "model"),
                ("model wrong type", Array(#"{"model":5,"messages":[]}"#.utf8), 400, nil, "model"),
                ("missing messages", Array(#"{"model":"m-ok"}"#.utf8), 400, nil, "messages"),
                ("messages wrong type", Array(#"{"model":"m-ok","messages":"hi"}"#.utf8), 400, nil, "messages"),
                ("role missing", Array(#"{"model":"m-ok","messages":[{"content":"hi"}]}"#.utf8), 400, nil, "messages[0].role"),
                ("stream wrong type", Array(#"{"model":"m-ok","messages":[{"role":"user","content":"x"}],"stream":"yes"}"#.utf8), 400, nil, "stream"),
                ("unknown model", Array(chat("gpt-9").utf8), 404, "model_not_found", "model"),
                ("too large", Array(chat("m-ok", extra: #","pad":""# + String(repeating: "a", count: 70_000) + #"""#).utf8), 413, "request_too_large", nil),
            ]
            for (name, body, status, code, param) in cases {
                let r = try await client.post("/v1/chat/completions", key: f.key, bytes: body)
                #expect(Int(r.status.code) == status, "\(name): \(r.text)")
                if let code { #expect(r.errorCode == code, "\(name)") }
                if let param { #expect(r.errorParam == param, "\(name)") }
                #expect(r.json["error"]?["type"]?.string == "invalid_request_error", "\(name)")
            }
        }, afterShutdown: { f in
            let count = try await f.store.usageCount()
            #expect(count == 11)
        })
    }

    @Test func keysAreChecked() async throws {
        try await withLiveGateway({ client, f in
            let missing = try await client.post("/v1/chat/completions", key: nil, json: chat("m-ok"))
            #expect(missing.status == .unauthorized && missing.errorCode == "invalid_api_key")
            let wrong = try await client.post("/v1/chat/completions", key: APIKeyHasher.generate(), json: chat("m-ok"))
            #expect(wrong.status == .unauthorized && wrong.errorCode == "invalid_api_key")
            #expect(!wrong.text.contains(f.key))
            let garbage = try await client.post("/v1/chat/completions", key: "sk-not-ours", json: chat("m-ok"))
            #expect(garbage.status == .unauthorized)
            _ = try await f.directory.revokeKey(id: f.keyID, actor: "test")
            // Revoked by another process (the store): the refresher notices within its interval.
            try await Task.sleep(for: .milliseconds(1500))
            let revoked = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok"))
            #expect(revoked.status == .unauthorized)
            #expect(revoked.json["error"]?["message"]?.string?.contains("revoked") == true)
            let models = try await client.get("/v1/models", key: nil)
            #expect(models.status == .unauthorized)
        }, afterShutdown: { f in
            let records = try await f.store.usage(limit: 10)
            #expect(records.count == 4)
            #expect(records.allSatisfy { $0.status == 401 && $0.errorCode == "invalid_api_key" })
        })
    }

    @Test func modelsHealthAndMetrics() async throws {
        try await withLiveGateway { client, f in
            let models = try await client.get("/v1/models", key: f.key)
            let ids = models.json["data"]?.array?.compactMap { $0["id"]?.string } ?? []
            #expect(ids.contains("m-ok") && ids.contains("m-down"))
            #expect(!ids.contains("gpt-4o-mini"))
            #expect(try await client.get("/healthz", key: nil).status == .ok)
            let ready = try await client.get("/readyz", key: nil)
            #expect(ready.status == .serviceUnavailable)   // the "down" upstream does not answer
            #expect(ready.json["upstreams"]?["fake"]?.string == "ok")
            #expect(ready.json["store"]?.string == "ok")
            _ = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok"))
            let metrics = try await client.get("/metrics", key: nil).text
            #expect(metrics.contains(#"warden_requests_total{endpoint="/v1/chat/completions",status="200"} 1"#))
            #expect(metrics.contains("warden_request_duration_seconds_bucket"))
            #expect(metrics.contains(#"warden_tokens_total{model="m-ok",kind="completion"} 3"#))
            let unknown = try await client.get("/v2/nothing", key: nil)
            #expect(unknown.status == .notFound && unknown.errorCode == "unknown_url")
        }
    }
}
