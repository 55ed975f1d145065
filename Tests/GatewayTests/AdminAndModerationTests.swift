import Classifier
import HTTPTypes
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Store
import Testing
import WardenCore
@testable import Gateway

/// Flags any text containing "attack" as violence; scores everything else 0.01.
struct KeywordClassifier: TextClassifying {
    var modelName: String { "keyword-test" }
    func moderate(_ text: String) -> ModerationResult {
        ModerationResult(scores: [.violence: text.contains("attack") ? 0.97 : 0.01], thresholds: [:])
    }
}

@Suite struct AdminAPITests {
    let token = "admin-secret-token"

    func admin(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, token: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(token ?? self.token)", .contentType: "application/json"]
        headers[HTTPField.Name("x-warden-actor")!] = "alice"
        return try await client.executeRequest(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    @Test func createUseAndRevokeAKeyAllAudited() async throws {
        try await withLiveGateway(adminToken: token, { client, f in
            let org = try await admin(client, .post, "/admin/v1/orgs", #"{"name":"Beta"}"#)
            #expect(org.status == .created)
            let orgID = try #require(org.json["id"]?.string)
            let app = try await admin(client, .post, "/admin/v1/apps", #"{"org_id":"\#(orgID)","name":"support-bot"}"#)
            let appID = try #require(app.json["id"]?.string)
            let created = try await admin(client, .post, "/admin/v1/keys", #"{"app_id":"\#(appID)","name":"prod"}"#)
            #expect(created.status == .created)
            let key = try #require(created.json["key"]?.string)
            let keyID = try #require(created.json["id"]?.string)
            #expect(created.json["hash"]?.string == "(redacted)")

            // The key works at once (the admin API refreshes the cache).
            let ok = try await client.post("/v1/chat/completions", key: key, json: chat("m-ok"))
            #expect(ok.status == .ok)
            // Listing never shows the key or its hash.
            let listed = try await admin(client, .get, "/admin/v1/keys?app_id=\(appID)")
            #expect(!listed.text.contains(key))
            #expect(listed.json.array?.count == 1)

            let revoked = try await admin(client, .post, "/admin/v1/keys/\(keyID)/revoke")
            #expect(revoked.status == .ok)
            let denied = try await client.post("/v1/chat/completions", key: key, json: chat("m-ok"))
            #expect(denied.status == .unauthorized)
            let again = try await admin(client, .post, "/admin/v1/keys/\(keyID)/revoke")
            #expect(again.status == .conflict)

            let audit = try await admin(client, .get, "/admin/v1/audit?limit=4")
            let actions = audit.json.array?.compactMap { $0["action"]?.string }
            #expect(actions == ["key.revoke", "key.create", "app.create", "org.create"])
            #expect(audit.json.array?.first?["actor"]?.string == "admin-api:alice")
            #expect(audit.json.array?.first?["before"]?.string != nil)
        })
    }

    @Test func adminNeedsTheToken() async throws {
        try await withLiveGateway(adminToken: token, { client, f in
            let wrong = try await admin(client, .get, "/admin/v1/orgs", token: "nope")
            #expect(wrong.status == .unauthorized)
            let apiKey = try await admin(client, .get, "/admin/v1/orgs", token: f.key)
            #expect(apiKey.status == .unauthorized)
            let none = try await client.get("/admin/v1/orgs", key: nil)
            #expect(none.status == .unauthorized)
            let bad = try await admin(client, .post, "/admin/v1/apps", #"{"org_id":"org_missing","name":"x"}"#)
            #expect(bad.status == .notFound)
            let missing = try await admin(client, .post, "/admin/v1/apps", #"{"name":"x"}"#)
            #expect(missing.status == .badRequest && missing.errorParam == "org_id")
        })
    }

    @Test func adminIsClosedWithoutAConfiguredToken() async throws {
        try await withLiveGateway { client, f in
            let r = try await client.get("/admin/v1/orgs", key: "anything")
            #expect(r.status == .forbidden && r.errorCode == "admin_disabled")
        }
    }
}

@Suite struct ModerationsEndpointTests {
    @Test func moderatesStringsAndArraysInTheAPIShape() async throws {
        try await withLiveGateway(classifier: KeywordClassifier(), { client, f in
            let one = try await client.post("/v1/moderations", key: f.key, json: #"{"input":"we attack at dawn"}"#)
            #expect(one.status == .ok)
            #expect(one.json["id"]?.string?.hasPrefix("modr-") == true)
            #expect(one.json["model"]?.string == "keyword-test")
            let result = try #require(one.json["results"]?.array?.first)
            #expect(result["flagged"]?.bool == true)
            #expect(result["categories"]?["violence"]?.bool == true)
            #expect(result["categories"]?["sexual/minors"]?.bool == false)
            #expect(result["category_scores"]?["violence"]?.double == 0.97)
            #expect(result["categories"].map { if case .object(let m) = $0 { return m.count } else { return 0 } } == 8)

            let many = try await client.post("/v1/moderations", key: f.key, json: #"{"input":["hello","attack",""],"model":"omni-moderation-latest"}"#)
            #expect(many.json["results"]?.array?.map { $0["flagged"]?.bool ?? false } == [false, true, false])
        }, afterShutdown: { f in
            let records = try await f.store.usage(limit: 5)
            #expect(records.count == 2)
            #expect(records.allSatisfy { $0.endpoint == "/v1/moderations" && $0.model == "keyword-test" })
        })
    }

    @Test func badModerationInputsAreRejected() async throws {
        try await withLiveGateway(classifier: KeywordClassifier(), configure: { $0.moderation.maxInputs = 3 }, { client, f in
            let cases: [(String, Int, String?)] = [
                (#"{"model":"x"}"#, 400, "input"),
                (#"{"input":5}"#, 400, "input"),
                (#"{"input":["a",7]}"#, 400, "input[1]"),
                (#"{"input":[]}"#, 400, "input"),
                (#"{"input":["a","b","c","d"]}"#, 400, "input"),
            ]
            for (body, status, param) in cases {
                let r = try await client.post("/v1/moderations", key: f.key, json: body)
                #expect(Int(r.status.code) == status, "\(body)")
                #expect(r.errorParam == param, "\(body)")
            }
            let unauth = try await client.post("/v1/moderations", key: nil, json: #"{"input":"x"}"#)
            #expect(unauth.status == .unauthorized)
        })
    }

    @Test func withoutAClassifierTheEndpointSaysSo() async throws {
        try await withLiveGateway { client, f in
            let r = try await client.post("/v1/moderations", key: f.key, json: #"{"input":"x"}"#)
            #expect(r.status == .serviceUnavailable && r.errorCode == "classifier_unavailable")
        }
    }
}

/// An encoder for tests: dimension 0 lights up on the made-up word "qzx", dimension 1 otherwise.
struct MarkerEmbedder: SentenceEmbedding {
    var dimension: Int { 2 }
    func embed(_ texts: [String], maxTokens: Int) -> [[Float]] { texts.map { $0.contains("qzx") ? [1, 0] : [0, 1] } }
}

/// The shipped fast tier, and a "precise" tier made from it whose embedding weights push the
/// violence logit up by 12 for texts with "qzx": the two tiers disagree exactly there.
func twoTiers(escalation: Escalation) throws -> TieredClassifier {
    let fast = try ContentClassifier.bundled()
    var header = fast.header
    header.name = "warden-precise-test"
    header.encoder = "marker"
    header.denseDim = 2
    var weights = fast.weights
    weights.addDense(dim: 2)
    weights.dense[0 * headSlots + Head.violence.rawValue] = 12
    let precise = try PreciseClassifier(model: ContentClassifier(header: header, weights: weights), encoder: MarkerEmbedder())
    return TieredClassifier(fast: fast, precise: precise, escalation: escalation)
}

@Suite struct ModerationTiersTests {
    @Test func theRequestsModelPicksTheTier() async throws {
        let tiers = try twoTiers(escalation: .never)
        try await withLiveGateway(classifier: tiers, { client, f in
            /// "<model answered> <violence flagged>" for an input with "qzx".
            func ask(_ model: String?) async throws -> String {
                let m = model.map { #","model":"\#($0)""# } ?? ""
                let r = try await client.post("/v1/moderations", key: f.key, json: #"{"input":"qzx"\#(m)}"#)
                #expect(r.status == .ok, "\(model ?? "no model")")
                let flagged = r.json["results"]?.array?.first?["categories"]?["violence"]?.bool
                return "\(r.json["model"]?.string ?? "-") \(flagged.map(String.init) ?? "-")"
            }
            let fastName = tiers.fast.modelName
            let answers = [try await ask("warden-precise"), try await ask("warden-precise-test"),
                           try await ask("warden-fast"), try await ask(fastName),
                           try await ask("omni-moderation-latest"), try await ask(nil)]
            // Any other name gets the configured tiers: escalation `never` is the fast tier's answer.
            #expect(answers == ["warden-precise-test true", "warden-precise-test true",
                                "\(fastName) false", "\(fastName) false", "\(fastName) false", "\(fastName) false"])
        })
    }

    @Test func escalationAlwaysAnswersWithThePreciseTier() async throws {
        try await withLiveGateway(classifier: try twoTiers(escalation: .always), { client, f in
            let r = try await client.post("/v1/moderations", key: f.key, json: #"{"input":["qzx","hello"]}"#)
            #expect(r.json["results"]?.array?.map { $0["categories"]?["violence"]?.bool ?? false } == [true, false])
        })
    }

    @Test func askingForAMissingPreciseTierIs404() async throws {
        try await withLiveGateway(classifier: try ContentClassifier.bundled(), { client, f in
            let r = try await client.post("/v1/moderations", key: f.key, json: #"{"input":"x","model":"warden-precise"}"#)
            #expect(r.status == .notFound && r.errorCode == "model_not_found" && r.errorParam == "model")
        })
    }
}

@Suite struct SecondOpinionGatewayTests {
    /// An app with `second_opinion: true` gets the precise tier for texts near its thresholds:
    /// the stand-in precise tier scores "qzx" texts violent where the fast tier does not.
    @Test func anAppsSecondOpinionDecidesNearItsThresholds() async throws {
        let tiers = try twoTiers(escalation: .never)
        let text = "qzx they will fight at the border tonight"
        let fast = tiers.fast.moderate(text).categoryScores[.violence] ?? 0
        let precise = tiers.precise!.moderate(text).categoryScores[.violence] ?? 0
        #expect(precise > fast + 0.3)
        let headers: HTTPFields = [.authorization: "Bearer adm", .contentType: "application/json"]
        // flag_at just above the fast score: the fast tier alone allows, the second opinion flags.
        let rule = String(format: "%.4f", min(0.99, fast + 0.05))
        try await withLiveGateway(adminToken: "adm", classifier: tiers, configure: { $0.policy = PolicyConfig() }, { client, f in
            let body = #"{"reason":"test","policy":{"rules":{"violence":{"input":{"flag_at":\#(rule)}}}}}"#
            let set = try await client.executeRequest(uri: "/admin/v1/apps/\(f.appID)/policy", method: .put, headers: headers, body: ByteBuffer(string: body))
            #expect(set.status == .created)
            let chat = #"{"model":"m-say","messages":[{"role":"user","content":"\#(text)"}]}"#
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat).status == .ok)
            let withOpinion = #"{"reason":"test","policy":{"second_opinion":true,"rules":{"violence":{"input":{"flag_at":\#(rule)}}}}}"#
            let set2 = try await client.executeRequest(uri: "/admin/v1/apps/\(f.appID)/policy", method: .put, headers: headers, body: ByteBuffer(string: withOpinion))
            #expect(set2.status == .created)
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat).status == .ok)
        }, afterShutdown: { f in
            let records = try await f.store.usage(limit: 5).filter { $0.endpoint == "/v1/chat/completions" }
            #expect(records.count == 2)
            let decisions = try records.map { try JSONValue.parse(Array(($0.policyDecision ?? "").utf8)) }
            // Newest first: the second request was flagged on the precise tier's say.
            #expect(decisions[0]["input"]?["action"]?.string == "flag")
            #expect(decisions[0]["input"]?["second_opinion"]?.string == "warden-precise-test")
            #expect(decisions[1]["input"]?["action"]?.string == "allow")
            #expect(decisions[1]["input"]?["second_opinion"] == nil)
        })
    }

    /// Asking for a second opinion on a gateway without a precise tier is accepted (the platform may
    /// add one later) and answered with a warning saying it has no effect.
    @Test func withoutAPreciseTierTheAdminAPIWarns() async throws {
        let headers: HTTPFields = [.authorization: "Bearer adm", .contentType: "application/json"]
        try await withLiveGateway(adminToken: "adm", classifier: try ContentClassifier.bundled(), configure: { $0.policy = PolicyConfig() }, { client, f in
            let on = try await client.executeRequest(uri: "/admin/v1/apps/\(f.appID)/policy", method: .put, headers: headers,
                                                     body: ByteBuffer(string: #"{"reason":"test","policy":{"second_opinion":true}}"#))
            #expect(on.status == .created)
            #expect(on.json["warnings"]?.array?.first?.string?.contains("no precise tier") == true)
            let off = try await client.executeRequest(uri: "/admin/v1/apps/\(f.appID)/policy", method: .put, headers: headers,
                                                      body: ByteBuffer(string: #"{"reason":"test","policy":{}}"#))
            #expect(off.status == .created && off.json["warnings"] == nil)
        })
        // With a precise tier there is nothing to warn about.
        try await withLiveGateway(adminToken: "adm", classifier: try twoTiers(escalation: .never), configure: { $0.policy = PolicyConfig() }, { client, f in
            let on = try await client.executeRequest(uri: "/admin/v1/apps/\(f.appID)/policy", method: .put, headers: headers,
                                                     body: ByteBuffer(string: #"{"reason":"test","policy":{"second_opinion":true}}"#))
            #expect(on.status == .created && on.json["warnings"] == nil)
        })
    }
}
