import Foundation
import Testing
import WardenCore
@testable import Gateway

@Suite struct ConfigTests {
    let valid = """
    server:
      port: 9000
    recording:
      text: hash
    upstreams:
      - name: local
        base_url: http://127.0.0.1:8081/v1
        read_timeout: 30
        models:
          - name: smollm2
            upstream_name: SmolLM2-135M-Instruct
            aliases: [gpt-4o-mini]
    """

    @Test func parsesWithDefaults() throws {
        let config = try WardenConfig.parse(yaml: valid)
        #expect(config.server.port == 9000)
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.maxBodyBytes == 4 * 1024 * 1024)
        #expect(config.recording.text == .hash)
        #expect(config.upstreams[0].readTimeoutSeconds == 30)
        #expect(config.upstreams[0].connectTimeoutSeconds == 5)
        let router = ModelRouter(upstreams: config.upstreams)
        #expect(router.resolve("gpt-4o-mini") == ResolvedRoute(upstream: "local", upstreamModel: "SmolLM2-135M-Instruct", model: "smollm2"))
        #expect(router.resolve("nope") == nil)
    }

    @Test func missingFileIsAnErrorNamingIt() {
        #expect(throws: ConfigError("cannot read configuration file '/nonexistent/warden.yaml'")) {
            try WardenConfig.load(path: "/nonexistent/warden.yaml")
        }
    }

    @Test(arguments: [
        ("server:\n  prot: 1\n", "server.prot"),
        ("upstreams:\n  - name: a\n    base_url: http://x/v1\n    modles: []\n", "upstreams[0].modles"),
        ("upstreams:\n  - name: a\n    base_url: http://x/v1\n    models:\n      - name: m\n        alias: [b]\n", "upstreams[0].models[0].alias"),
        ("surprise: 1\n", "surprise"),
    ])
    func unknownKeysAreErrorsNamingTheKey(yaml: String, key: String) {
        #expect {
            try WardenConfig.parse(yaml: yaml)
        } throws: { error in
            "\(error)".contains("unknown key '\(key)'")
        }
    }

    @Test(arguments: [
        ("server:\n  port: 70000\n", "server.port"),
        ("recording:\n  text: everything\n", "recording.text"),
        ("upstreams: []\n", "upstreams"),
        ("upstreams:\n  - name: a\n    base_url: ftp://x\n    models: [{name: m}]\n", "upstreams[0].base_url"),
        ("upstreams:\n  - name: a\n    base_url: http://x\n    read_timeout: -1\n    models: [{name: m}]\n", "upstreams[0].read_timeout"),
        ("upstreams:\n  - name: a\n    base_url: http://x\n    models: [{name: m}]\n  - name: b\n    base_url: http://y\n    models: [{name: m}]\n", "'m' is already routed"),
        ("upstreams:\n  - name: a\n    models: [{name: m}]\n", "base_url"),
        ("server:\n  port: eighty\n", "server.port"),
    ])
    func invalidValuesAreErrorsNamingTheKey(yaml: String, needle: String) {
        #expect {
            try WardenConfig.parse(yaml: yaml, source: "test.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("test.yaml: ") && text.contains(needle)
        }
    }
}

@Suite struct AdminTokenTests {
    @Test func aTokenGivenInCodeWinsAndAnEmptyOneMeansNone() {
        var c = SecurityConfig()
        c.adminTokenEnv = "WARDEN_TEST_UNSET_\(UUID().uuidString.prefix(8))"   // never set: only read
        #expect(c.adminToken == nil)
        c.adminTokenValue = "t0ken"
        #expect(c.adminToken == "t0ken")
        c.adminTokenValue = ""
        #expect(c.adminToken == nil)
        c.adminTokenEnv = "PATH"   // set in every process: the in-code value still wins when given
        c.adminTokenValue = "t0ken"
        #expect(c.adminToken == "t0ken")
        c.adminTokenValue = nil
        #expect(c.adminToken == ProcessInfo.processInfo.environment["PATH"])
    }
}

@Suite struct StreamRelayTests {
    func event(_ json: String) -> String { "data: \(json)\n\n" }

    @Test func reassemblesEventsSplitAnywhere() throws {
        let stream = event(#"{"choices":[{"delta":{"content":"Hi"}}]}"#) + event(#"{"choices":[{"delta":{"content":"!"}}]}"#) + "data: [DONE]\n\n"
        let bytes = Array(stream.utf8)
        for cut in 1..<bytes.count {
            var relay = StreamRelay(clientWantsUsage: false, collectText: true)
            let out = try relay.consume(bytes[..<cut]) + relay.consume(bytes[cut...])
            #expect(String(decoding: out, as: UTF8.self) == stream)
            #expect(relay.finished && relay.text == "Hi!" && relay.contentDeltas == 2)
        }
    }

    @Test func usageChunkIsKeptForTheRecordAndDroppedUnlessAsked() throws {
        let usage = event(#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":9}}"#)
        var quiet = StreamRelay(clientWantsUsage: false, collectText: false)
        #expect(try quiet.consume(Array(usage.utf8)).isEmpty)
        #expect(quiet.promptTokens == 5 && quiet.completionTokens == 9)
        var asked = StreamRelay(clientWantsUsage: true, collectText: false)
        #expect(String(decoding: try asked.consume(Array(usage.utf8)), as: UTF8.self) == usage)
    }

    @Test func crlfFramingAndCommentsAreHandled() throws {
        var relay = StreamRelay(clientWantsUsage: false, collectText: true)
        let out = try relay.consume(Array(": keep-alive\r\n\r\ndata: {\"choices\":[{\"text\":\"a\"}]}\r\n\r\ndata: [DONE]\r\n\r\n".utf8))
        #expect(relay.finished && relay.text == "a")
        #expect(String(decoding: out, as: UTF8.self).contains(": keep-alive"))
    }

    @Test func malformedDataIsAFailure() {
        var relay = StreamRelay(clientWantsUsage: false, collectText: false)
        #expect(throws: StreamRelay.Failure.self) { try relay.consume(Array("data: {oops\n\n".utf8)) }
    }

    @Test func oversizedEventIsAFailure() {
        var relay = StreamRelay(clientWantsUsage: false, collectText: false, maxEventBytes: 100)
        #expect(throws: StreamRelay.Failure.eventTooLarge) { try relay.consume(Array(("data: " + String(repeating: "x", count: 200)).utf8)) }
    }

    @Test func partialEventAtCloseIsVisible() throws {
        var relay = StreamRelay(clientWantsUsage: false, collectText: false)
        _ = try relay.consume(Array("data: {\"a\"".utf8))
        #expect(relay.hasPartialEvent && !relay.finished)
    }
}

@Suite struct UpstreamBodyTests {
    func call(_ json: String, stream: Bool) throws -> ModelCall {
        let body = try ModelCallValidator.parse(Array(json.utf8))
        return ModelCall(endpoint: .chatCompletions, requestedModel: "alias", route: ResolvedRoute(upstream: "u", upstreamModel: "real", model: "canon"),
                         stream: stream, clientWantsStreamUsage: false, body: body)
    }

    @Test func renamesTheModelAndAsksForStreamUsage() throws {
        let plain = try call(#"{"model":"alias","messages":[],"temperature":0.70}"#, stream: false)
        #expect(String(decoding: Forwarder.upstreamBody(for: plain), as: UTF8.self) == #"{"model":"real","messages":[],"temperature":0.70}"#)
        let streamed = try call(#"{"model":"alias","messages":[],"stream":true,"stream_options":{"x":1}}"#, stream: true)
        #expect(String(decoding: Forwarder.upstreamBody(for: streamed), as: UTF8.self)
                == #"{"model":"real","messages":[],"stream":true,"stream_options":{"x":1,"include_usage":true}}"#)
    }

    @Test func promptTextCollectsEveryMessage() throws {
        let c = try call(#"{"model":"a","messages":[{"role":"system","content":"Be kind"},{"role":"user","content":[{"type":"text","text":"Hi"},{"type":"image_url","image_url":{"url":"x"}}]}]}"#, stream: false)
        #expect(c.promptText == "Be kind\nHi")
    }

    @Test func tokenEstimateIsFourBytesPerToken() {
        #expect(TokenEstimate.tokens(in: "") == 0)
        #expect(TokenEstimate.tokens(in: "abcd") == 1)
        #expect(TokenEstimate.tokens(in: "abcde") == 2)
    }
}

@Suite struct PromptLengthTests {
    @Test(arguments: [
        (ModelEndpoint.chatCompletions, #"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"héllo"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"wörld"}]},{"role":"assistant","content":null}]}"#),
        (ModelEndpoint.completions, #"{"prompt":["one","two €"]}"#),
        (ModelEndpoint.embeddings, #"{"input":"a 🎉 b"}"#),
    ])
    func theCountedLengthIsThatOfThePromptText(endpoint: ModelEndpoint, json: String) throws {
        let body = try JSONValue.parse(Array(json.utf8))
        let call = ModelCall(endpoint: endpoint, requestedModel: "m", route: ResolvedRoute(upstream: "u", upstreamModel: "m", model: "m"),
                             stream: false, clientWantsStreamUsage: false, body: body)
        #expect(call.promptUTF8Count == call.promptText.utf8.count)
    }
}
