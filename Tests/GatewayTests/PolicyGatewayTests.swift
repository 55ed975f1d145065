import Classifier
import HTTPTypes
import Foundation
import Hummingbird
import Logging
import HummingbirdTesting
import NIOCore
import Policy
import Store
import Testing
import WardenCore
@testable import Gateway

/// The shipped classifier, loaded once: screening is tested with the real model.
private let shippedClassifier: ContentClassifier = try! ContentClassifier.bundled()

/// Scores 0.980 for harassment with the shipped model (default: block at 0.85), and 0.950 in the
/// stream test's first scoring window with the 16 characters of the sentence before it (kept well
/// above the threshold so that a retrained model does not silently turn the test into a non-cut).
private let insult = "You are a worthless, pathetic idiot and everyone hates you."

private func withPolicy(_ body: @escaping @Sendable (any TestClientProtocol, GatewayFixture) async throws -> Void,
                        afterShutdown: @escaping @Sendable (GatewayFixture) async throws -> Void = { _ in }) async throws {
    try await withLiveGateway(adminToken: "adm", classifier: shippedClassifier, configure: { $0.policy = PolicyConfig() }, body,
                              afterShutdown: afterShutdown)
}

private let admin: HTTPFields = [.authorization: "Bearer adm", .contentType: "application/json", HTTPField.Name("x-warden-actor")!: "ana"]

private func setAppPolicy(_ client: any TestClientProtocol, _ appID: String, _ policy: String, reason: String = "test") async throws -> TestResponse {
    try await client.executeRequest(uri: "/admin/v1/apps/\(appID)/policy", method: .put, headers: admin,
                                    body: ByteBuffer(string: #"{"reason":"\#(reason)","policy":\#(policy)}"#))
}

private func say(_ text: String, model: String = "m-say", user: String, stream: Bool = false) -> String {
    let content = String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast()
    return #"{"model":"\#(model)","user":"\#(user)","messages":[{"role":"user","content":\#(content)}]\#(stream ? #","stream":true"# : "")}"#
}

/// Lets harassment through on input (flag only) so that the model can be made to say it.
private let harassmentFlagOnInput = #"{"rules":{"harassment":{"input":{"flag_at":0.5}}}}"#

@Suite struct PolicyGatewayTests {
    @Test func blockedInputIsRefusedAndNeverReachesTheUpstream() async throws {
        let user = "u-\(UUID().uuidString)"
        try await withPolicy({ client, f in
            let r = try await client.post("/v1/chat/completions", key: f.key, json: say(insult, user: user))
            #expect(r.status == .badRequest)
            #expect(r.errorCode == "content_policy_violation")
            #expect(r.errorParam == "messages")
            #expect(r.json["error"]?["message"]?.string?.contains("harassment") == true)
            #expect(!FakeUpstream.seenUsers.withLock { $0.contains(user) })
            let benign = try await client.post("/v1/chat/completions", key: f.key, json: say("How do I kill a Python process?", user: user + "-b"))
            #expect(benign.status == .ok)
            #expect(FakeUpstream.seenUsers.withLock { $0.contains(user + "-b") })
        }, afterShutdown: { f in
            let records = try await f.store.usage(limit: 5)
            let blocked = try #require(records.first { $0.status == 400 })
            #expect(blocked.policyAction == "block")
            #expect(blocked.policyVersion == "1")
            #expect(blocked.errorCode == "content_policy_violation")
            let decision = try JSONValue.parse(Array((blocked.policyDecision ?? "").utf8))
            #expect(decision["input"]?["triggered"]?.array?.first?.string == "harassment")
            #expect(decision["input"]?["decided_by"]?.string == "default")
            #expect((decision["input"]?["scores"]?["harassment"]?.double ?? 0) > 0.85)
            #expect(records.first { $0.status == 200 }?.policyAction == "allow")
        })
    }

    @Test func anAppCustomizationChangesTheOutcomeAndABlockedCompletionIsReplaced() async throws {
        let user = "u-\(UUID().uuidString)"
        try await withPolicy({ client, f in
            let set = try await setAppPolicy(client, f.appID, harassmentFlagOnInput, reason: "moderators quote abuse")
            #expect(set.status == .created)
            #expect(set.json["effective"]?["version"]?.string == "1+app.1")
            let r = try await client.post("/v1/chat/completions", key: f.key, json: say(insult, user: user))
            #expect(r.status == .ok)   // flagged on input, forwarded
            #expect(FakeUpstream.seenUsers.withLock { $0.contains(user) })
            let choice = r.json["choices"]?.array?.first
            #expect(choice?["finish_reason"]?.string == "content_filter")
            #expect(choice?["message"]?["content"]?.string?.contains("withheld by the content policy (harassment)") == true)
            #expect(!r.text.contains("worthless"))
        }, afterShutdown: { f in
            let record = try #require(try await f.store.usage(limit: 5).first { $0.endpoint == "/v1/chat/completions" })
            #expect(record.policyAction == "block")
            #expect(record.policyVersion == "1+app.1")
            let decision = try JSONValue.parse(Array((record.policyDecision ?? "").utf8))
            #expect(decision["input"]?["action"]?.string == "flag")
            #expect(decision["input"]?["decided_by"]?.string == "app")
            #expect(decision["output"]?["action"]?.string == "block")
            #expect(record.completionText == insult)   // what the model said is kept for review (text: full)
            let audit = try await f.store.auditEntries(limit: 5).first { $0.action == "policy.app.set" }
            #expect(audit?.actor == "admin-api:ana")
        })
    }

    @Test func aStreamIsCutWithContentFilterAndTheUpstreamCancelled() async throws {
        let user = "u-\(UUID().uuidString)"
        let story = "Once upon a time there was a quiet village by the sea. " + insult + " "
            + String(repeating: "The fishermen mended their nets and sang old songs. ", count: 12) + "THE END"
        try await withPolicy({ client, f in
            #expect(try await setAppPolicy(client, f.appID, harassmentFlagOnInput).status == .created)
            let r = try await client.post("/v1/chat/completions", key: f.key, json: say(story, model: "m-stream-say", user: user, stream: true))
            #expect(r.status == .ok)
            let events = r.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.last == "data: [DONE]")
            let last = try JSONValue.parse(Array(events[events.count - 2].dropFirst(6).utf8))
            #expect(last["choices"]?.array?.first?["finish_reason"]?.string == "content_filter")
            #expect(last["id"]?.string == "s1")
            let relayed = events.dropLast(2).compactMap { try? JSONValue.parse(Array($0.dropFirst(6).utf8)) }
                .compactMap { $0["choices"]?.array?.first?["delta"]?["content"]?.string }.joined()
            #expect(!relayed.contains("THE END"))
            // The cut comes at the sentence end after the insult: the insult's sentence itself was
            // relayed (scored when complete), nothing much after it.
            #expect(relayed.count <= story.distance(from: story.startIndex, to: story.range(of: insult)!.upperBound) + 8)
            var cancelled = false
            for _ in 0..<100 where !cancelled {
                cancelled = FakeUpstream.cancelledStreams.withLock { $0.contains(user) }
                if !cancelled { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(cancelled, "the upstream stream was not cancelled")
        }, afterShutdown: { f in
            let record = try #require(try await f.store.usage(limit: 5).first { $0.stream })
            #expect(record.policyAction == "block")
            #expect(record.errorCode == "content_filter")
        })
    }

    @Test func aCustomizationBeyondTheBoundsIsRefusedNamingEveryViolation() async throws {
        try await withPolicy({ client, f in
            let r = try await setAppPolicy(client, f.appID,
                #"{"rules":{"hate/threatening":{"output":{"block_at":0.9}},"sexual/minors":{"input":{"flag_at":0.1}}}}"#)
            #expect(r.status == .badRequest)
            #expect(r.errorCode == "policy_out_of_bounds")
            let message = r.json["error"]?["message"]?.string ?? ""
            #expect(message.contains("hate/threatening (output): block_at 0.9 is looser than the platform bound block_at ≤ 0.6"), "\(message)")
            #expect(message.contains("sexual/minors: the category is locked"), "\(message)")
            let noReason = try await client.executeRequest(uri: "/admin/v1/apps/\(f.appID)/policy", method: .put, headers: admin,
                                                           body: ByteBuffer(string: #"{"policy":{}}"#))
            #expect(noReason.errorParam == "reason")
            // Nothing was stored: the app still runs under the platform's version.
            let view = try await client.executeRequest(uri: "/admin/v1/apps/\(f.appID)/policy", method: .get, headers: admin, body: nil)
            #expect(view.json["effective"]?["version"]?.string == "1")
        })
    }

    @Test func systemMessagesAreInjectedAndTheOutputCapApplies() async throws {
        try await withPolicy({ client, f in
            #expect(try await setAppPolicy(client, f.appID, #"{"system_message":"Answer kindly.","output_cap":{"max_output_tokens":300}}"#).status == .created)
            let r = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-echo", extra: #","max_tokens":1000"#))
            let forwarded = try JSONValue.parse(Array((r.json["choices"]?.array?.first?["message"]?["content"]?.string ?? "").utf8))
            #expect(forwarded["messages"]?.array?.first?["role"]?.string == "system")
            #expect(forwarded["messages"]?.array?.first?["content"]?.string == "Answer kindly.")
            #expect(forwarded["messages"]?.array?.count == 2)
            #expect(forwarded["max_tokens"]?.int == 300)
        })
    }

    @Test func thePolicyIsPublishedAndFeedbackIsStoredWithItsDecision() async throws {
        try await withPolicy({ client, f in
            let html = try await client.get("/policy", key: nil)
            #expect(html.status == .ok)
            #expect(html.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(html.text.contains("hate/threatening"))
            let json = try await client.get("/policy?format=json", key: nil)
            #expect(json.json["version"]?.int == 1)

            let blocked = try await client.post("/v1/chat/completions", key: f.key, json: say(insult, user: "fb"))
            let requestID = blocked.headers[HTTPField.Name("x-request-id")!] ?? ""
            try await Task.sleep(for: .milliseconds(100))
            let fb = try await client.post("/v1/feedback", key: f.key, json: #"{"request_id":"\#(requestID)","kind":"wrongly_refused","comment":"I was quoting"}"#)
            #expect(fb.status == .created)
            #expect(fb.json["decision"]?.string?.contains("harassment") == true)
            let bad = try await client.post("/v1/feedback", key: f.key, json: #"{"request_id":"\#(requestID)","kind":"meh"}"#)
            #expect(bad.errorParam == "kind")
            let unknown = try await client.post("/v1/feedback", key: f.key, json: #"{"request_id":"req_nope","kind":"other"}"#)
            #expect(unknown.status == .notFound)
            let listed = try await client.executeRequest(uri: "/admin/v1/feedback", method: .get, headers: admin, body: nil)
            #expect(listed.json.array?.first?["kind"]?.string == "wrongly_refused")
        })
    }
}

@Suite struct PolicyPublicationTests {
    @Test func theSamePolicyFileIsOneVersionAcrossRestartsAndAChangeIsTheNext() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("warden-pol-\(UUID().uuidString)/w.sqlite").path
        let store = try SQLiteStore(path: path)
        let directory = TenantDirectory(store: store, hasher: APIKeyHasher(secret: nil))
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        for _ in 0..<2 {   // two starts with the same file
            try await PolicyBook(platform: .standard, source: "policy.yaml", logger: logger).publishPlatform(to: store, directory: directory)
        }
        #expect(try await store.policyVersions(scope: PolicyVersionRecord.platformScope).count == 1)
        var tighter = PlatformPolicy.standard
        tighter.defaults.rules[.hate] = DirectionalRules.both(PolicyRule(flagAt: 0.5, blockAt: 0.7))
        let book = PolicyBook(platform: tighter, source: "policy.yaml", logger: logger)
        try await book.publishPlatform(to: store, directory: directory)
        let versions = try await store.policyVersions(scope: PolicyVersionRecord.platformScope)
        #expect(versions.map(\.number) == [1, 2])
        #expect(versions[1].changes.contains("hate (input)"))
        try await book.reload(from: store)
        #expect(book.policy(for: "app_any").effective.version == "2")
        #expect(try await store.auditEntries(limit: 5).filter { $0.action == "policy.platform.version" }.count == 2)
    }

    @Test func aBrokenPolicyFileIsAStartupErrorNamingItsLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warden-pol-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("policy.yaml")
        try "defaults:\n  rules:\n    hate:\n      both: {block_at: 1.5}\n".write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try WardenConfig.parse(yaml: """
                upstreams: [{name: u, base_url: "http://127.0.0.1:9/v1", models: [{name: m}]}]
                policy: {file: \(file.path)}
                """)
            Issue.record("a policy with block_at 1.5 was accepted")
        } catch {
            #expect("\(error)".contains("policy.yaml:4"), "\(error)")
            #expect("\(error)".contains("1.5"), "\(error)")
        }
    }
}

/// The content deltas of a server-sent event stream, joined.
private func streamedContent(_ events: String) -> String {
    events.components(separatedBy: "\n").compactMap { line -> String? in
        guard line.hasPrefix("data: {"), let json = try? JSONValue.parse(Array(line.dropFirst(6).utf8)) else { return nil }
        return json["choices"]?.array?.first?["delta"]?["content"]?.string
    }.joined()
}

/// The shipped classifier posing as one that may block (like the precise tier), recording the
/// name of every thread it scored on.
private final class ThreadRecordingClassifier: TextClassifying, @unchecked Sendable {
    let inner = shippedClassifier
    let lock = NSLock()
    var threads: [String] = []
    var modelName: String { inner.modelName }
    var mayBlock: Bool { true }
    func moderate(_ text: String) -> ModerationResult {
        // The kernel's name of the calling thread (NIO names its singleton pool's threads "SGLTN-TP-#n").
        let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
        lock.withLock { threads.append(name.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return inner.moderate(text)
    }
    var recorded: [String] { lock.withLock { threads } }
}

/// Like the tiers with `escalation: uncertain`: texts containing "[unsure]" need the blocking call;
/// every other text is settled without one. Records each call's kind and thread.
private final class EscalatingClassifier: TextClassifying, @unchecked Sendable {
    let inner = shippedClassifier
    let lock = NSLock()
    var calls: [(blocking: Bool, thread: String)] = []
    var modelName: String { inner.modelName }
    var mayBlock: Bool { true }
    func moderateWithoutBlocking(_ text: String) -> ModerationResult? {
        note(blocking: false)
        return text.contains("[unsure]") ? nil : inner.moderate(text)
    }
    func moderate(_ text: String) -> ModerationResult {
        note(blocking: true)
        return inner.moderate(text)
    }
    private func note(blocking: Bool) {
        let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
        lock.withLock { calls.append((blocking, name.trimmingCharacters(in: .whitespacesAndNewlines))) }
    }
    var recorded: [(blocking: Bool, thread: String)] { lock.withLock { calls } }
    func reset() { lock.withLock { calls = [] } }
}

@Suite struct BlockingClassifierGatewayTests {
    /// Screening tries inline first: a request whose texts are all settled without blocking never
    /// goes to the pool; one that meets a text needing the encoder is screened again on the pool,
    /// with that text's real scores deciding.
    @Test func textsTheFastTierSettlesAreScreenedInline() async throws {
        let classifier = EscalatingClassifier()
        try await withLiveGateway(adminToken: "adm", classifier: classifier, configure: { $0.policy = PolicyConfig() }, { client, f in
            let calm = try await client.post("/v1/chat/completions", key: f.key, json: say("What is the capital of France?", user: "u-calm"))
            #expect(calm.status == .ok)
            let moderated = try await client.post("/v1/moderations", key: f.key, json: #"{"input":["hello there","good morning"]}"#)
            #expect(moderated.status == .ok)
            let calmCalls = classifier.recorded
            #expect(!calmCalls.isEmpty && calmCalls.allSatisfy { !$0.blocking && !$0.thread.contains("TP-#") }, "\(calmCalls)")

            classifier.reset()
            let unsure = try await client.post("/v1/chat/completions", key: f.key, json: say("[unsure] " + insult, user: "u-unsure"))
            #expect(unsure.errorCode == "content_policy_violation")
            let unsureMod = try await client.post("/v1/moderations", key: f.key, json: #"{"input":["hello there","[unsure] \#(insult)"]}"#)
            #expect(unsureMod.json["results"]?.array?[1]["flagged"]?.bool == true)
            let blocking = classifier.recorded.filter(\.blocking)
            #expect(blocking.count >= 3)
            #expect(blocking.allSatisfy { $0.thread.contains("TP-#") }, "\(blocking)")
        })
    }


    /// A stream's chunks are screened inline while the fast tier settles every window; a window
    /// that needs the encoder sends that chunk to the pool, replayed from the relay's state before
    /// it, and its real scores cut the stream.
    @Test func streamedChunksAreScreenedInlineUntilOneNeedsTheEncoder() async throws {
        let classifier = EscalatingClassifier()
        let calm = "Once upon a time there was a quiet village by the sea. "
            + String(repeating: "The fishermen mended their nets and sang old songs. ", count: 12) + "THE END"
        try await withLiveGateway(adminToken: "adm", classifier: classifier, configure: { $0.policy = PolicyConfig() }, { client, f in
            #expect(try await setAppPolicy(client, f.appID, harassmentFlagOnInput).status == .created)
            let r = try await client.post("/v1/chat/completions", key: f.key, json: say(calm, model: "m-stream-say", user: "u-calm-s", stream: true))
            #expect(streamedContent(r.text).hasSuffix("THE END") && !r.text.contains("content_filter"), "\(r.text)")
            let calls = classifier.recorded
            #expect(calls.count >= 5 && calls.allSatisfy { !$0.blocking && !$0.thread.contains("TP-#") }, "\(calls)")

            classifier.reset()
            // (A marked insult strong enough that the marker does not pull it under block_at 0.85.)
            let unsure = "Once upon a time there was a quiet village by the sea. [unsure] You are a worthless idiot and everyone hates you, you stupid pathetic loser. "
                + String(repeating: "The fishermen mended their nets and sang old songs. ", count: 12) + "THE END"
            let cut = try await client.post("/v1/chat/completions", key: f.key, json: say(unsure, model: "m-stream-say", user: "u-unsure-s", stream: true))
            #expect(cut.text.contains("content_filter") && !streamedContent(cut.text).contains("THE END"), "\(cut.text)")
            let blocking = classifier.recorded.filter(\.blocking)
            #expect(!blocking.isEmpty && blocking.allSatisfy { $0.thread.contains("TP-#") }, "\(classifier.recorded)")
            #expect(classifier.recorded.contains { !$0.blocking && !$0.thread.contains("TP-#") })
        })
    }

    /// Input, whole output, streamed output and /v1/moderations are all scored on NIO's blocking
    /// pool (its threads are named "SGLTN-TP-#n") when the classifier may block, with the same outcomes as inline.
    @Test func everyScreeningRunsOnTheBlockingPool() async throws {
        let classifier = ThreadRecordingClassifier()
        let user = "u-\(UUID().uuidString)"
        let story = "Once upon a time there was a quiet village by the sea. " + insult + " "
            + String(repeating: "The fishermen mended their nets and sang old songs. ", count: 12) + "THE END"
        try await withLiveGateway(adminToken: "adm", classifier: classifier, configure: { $0.policy = PolicyConfig() }, { client, f in
            let blocked = try await client.post("/v1/chat/completions", key: f.key, json: say(insult, user: user))
            #expect(blocked.errorCode == "content_policy_violation")
            #expect(try await setAppPolicy(client, f.appID, harassmentFlagOnInput).status == .created)
            let whole = try await client.post("/v1/chat/completions", key: f.key, json: say(insult, user: user + "-w"))
            #expect(whole.json["choices"]?.array?.first?["finish_reason"]?.string == "content_filter")
            let streamed = try await client.post("/v1/chat/completions", key: f.key, json: say(story, model: "m-stream-say", user: user + "-s", stream: true))
            #expect(streamed.text.contains("content_filter") && !streamed.text.contains("THE END"))
            let moderated = try await client.post("/v1/moderations", key: f.key, json: #"{"input":"hello there"}"#)
            #expect(moderated.status == .ok)
        })
        let threads = classifier.recorded
        #expect(threads.count >= 5)
        #expect(threads.allSatisfy { $0.contains("TP-#") }, "scored on \(Set(threads))")
        #expect(!ScreeningExecutor(for: shippedClassifier).offloads)
    }

    /// A broken upstream stream while chunks are screened on the pool: the relay's state comes back
    /// from the pool on the error path too, so the client gets the error event and the record its code.
    @Test(arguments: [("m-stream-malformed", "upstream_bad_response"), ("m-stream-reset", "upstream_unavailable"),
                      ("m-stream-nodone", "upstream_bad_response")])
    func brokenStreamsScreenedOnThePoolEndWithAnErrorEvent(model: String, code: String) async throws {
        let classifier = ThreadRecordingClassifier()
        try await withLiveGateway(adminToken: "adm", classifier: classifier, configure: { $0.policy = PolicyConfig() }, { client, f in
            let r = try await client.post("/v1/chat/completions", key: f.key, json: say("Tell me a story.", model: model, user: "u-broken", stream: true))
            #expect(r.status == .ok)
            #expect(r.text.contains(#""code":"\#(code)""#), "\(r.text)")
            #expect(r.text.hasSuffix("data: [DONE]\n\n"))
        }, afterShutdown: { f in
            let record = try #require(try await f.store.usage(limit: 1).first)
            #expect(record.errorCode == code)
        })
        #expect(classifier.recorded.allSatisfy { $0.contains("TP-#") })
    }
}
