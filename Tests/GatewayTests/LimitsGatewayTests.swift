import HTTPTypes
import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Limits
import NIOCore
import Store
import Testing
import WardenCore
@testable import Gateway

private func withLimits(_ tier: LimitSet, budgetMode: BudgetMode = .hard, overCap: OverCapMode = .clamp,
                        prices: [String: ModelPrice] = [:], adminToken: String? = nil,
                        _ body: @escaping @Sendable (any TestClientProtocol, GatewayFixture) async throws -> Void,
                        afterShutdown: @escaping @Sendable (GatewayFixture) async throws -> Void = { _ in }) async throws {
    try await withLiveGateway(adminToken: adminToken, configure: { config in
        config.limits = LimitsConfig(defaultTier: "sandbox",
                                     tiers: [Tier(name: "sandbox", limits: tier), Tier(name: "production", limits: LimitSet(requestsPerMinute: 1_000))],
                                     prices: prices, budgetMode: budgetMode, overCap: overCap)
    }, body, afterShutdown: afterShutdown)
}

/// Seconds of an OpenAI reset duration (`1m0s`, `39.98s`, `120ms`).
private func seconds(_ text: String) -> Double {
    if text.hasSuffix("ms") { return (Double(text.dropLast(2)) ?? -1) / 1000 }
    var total = 0.0, number = ""
    for c in text {
        switch c {
        case "h": total += (Double(number) ?? 0) * 3600; number = ""
        case "m": total += (Double(number) ?? 0) * 60; number = ""
        case "s": total += Double(number) ?? 0; number = ""
        default: number.append(c)
        }
    }
    return total
}

/// A request on its own connection (the test client sends one request at a time).
private func sideRequest(port: Int, key: String, json: String) async throws -> HTTPClientResponse {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
    request.method = .POST
    request.headers.add(name: "authorization", value: "Bearer \(key)")
    request.headers.add(name: "content-type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: json))
    return try await HTTPClient.shared.execute(request, timeout: .seconds(10))
}

private func secondsSince(_ start: ContinuousClock.Instant) -> Double {
    let d = (ContinuousClock.now - start).components
    return Double(d.seconds) + Double(d.attoseconds) / 1e18
}

private extension TestResponse {
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

@Suite struct LimitsGatewayTests {
    // Rates refill while the test runs, and a loaded machine (CI runs every suite at once) can take
    // seconds between requests: the expected figures are bounded by the time the test measured.

    @Test func requestsPerMinuteRefusesTheFourthWithOpenAIHeaders() async throws {
        try await withLimits(LimitSet(requestsPerMinute: 3), { client, f in
            let started = ContinuousClock.now
            for (i, reset) in [20.0, 40.0, 60.0].enumerated() {
                let r = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok"))
                #expect(r.status == .ok)
                #expect(r.header("x-ratelimit-limit-requests") == "3")
                #expect(r.header("x-ratelimit-remaining-requests") == String(2 - i))
                // Reset is the time until the bucket is full again: 20 s a request, less what has
                // refilled since the first request (at most the time elapsed here).
                let shown = seconds(r.header("x-ratelimit-reset-requests") ?? "")
                let elapsed = secondsSince(started)
                #expect(shown <= reset + 0.01 && shown >= reset - elapsed - 0.01, "reset \(shown) vs \(reset) after \(elapsed) s")
                #expect(r.header("x-ratelimit-limit-tokens") == nil)
            }
            let refused = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok"))
            let elapsedMs = Int(secondsSince(started) * 1000) + 1
            #expect(refused.status == .tooManyRequests)
            #expect(refused.errorCode == "rate_limit_exceeded")
            #expect(refused.json["error"]?["type"]?.string == "requests")
            // One request comes back 20 s after the first was taken; retry-after rounds it up.
            let ms = Int(refused.header("retry-after-ms") ?? "") ?? 0
            #expect((20_000 - elapsedMs...20_000).contains(ms), "retry-after-ms \(ms) after \(elapsedMs) ms")
            #expect(refused.header("retry-after") == String((ms + 999) / 1000))
            #expect(refused.header("x-should-retry") == nil)
            #expect(refused.header("x-ratelimit-remaining-requests") == "0")
            #expect(refused.json["error"]?["message"]?.string?.contains("limit 3 per minute") == true)
        }, afterShutdown: { f in
            let records = try await f.store.usage(limit: 10)
            #expect(records.count == 4)
            #expect(records.first?.status == 429 && records.first?.errorCode == "rate_limit_exceeded")
        })
    }

    @Test func tokensAreReservedThenReconciledWithTheRealUsage() async throws {
        try await withLimits(LimitSet(tokensPerMinute: 1_000), { client, f in
            // "Say hello" is 9 bytes → 3 tokens, + 4 for the message, + max_tokens 100 = 107 reserved.
            let started = ContinuousClock.now  // the bucket refills from the first request's admission on
            let first = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok", extra: #","max_tokens":100"#))
            #expect(first.header("x-ratelimit-limit-tokens") == "1000")
            #expect(first.header("x-ratelimit-remaining-tokens") == "893")
            // The fake upstream reports 10 tokens used: 97 were given back before the next request,
            // which reserves 107 again; the bucket refills 1,000 a minute meanwhile (capped at full).
            let second = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok", extra: #","max_tokens":100"#))
            let refill = Int(secondsSince(started) * 1000 / 60) + 1
            let remaining = Int(second.header("x-ratelimit-remaining-tokens") ?? "") ?? 0
            #expect((883...min(893, 883 + refill)).contains(remaining), "remaining \(remaining), refill at most \(refill)")
        })
    }

    @Test func aRequestLargerThanTheTokenLimitIsRefusedAndNotRetried() async throws {
        try await withLimits(LimitSet(tokensPerMinute: 50), { client, f in
            let r = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok", extra: #","max_tokens":100"#))
            #expect(r.status == .tooManyRequests)
            #expect(r.errorCode == "rate_limit_exceeded")
            #expect(r.header("x-should-retry") == "false")
            #expect(r.json["error"]?["message"]?.string?.contains("requested 107") == true)
        })
    }

    @Test func maxTokensAboveTheCapIsClampedAndAMissingOneIsSetToTheCap() async throws {
        try await withLimits(LimitSet(maxTokens: 64), { client, f in
            let clamped = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-echo", extra: #","max_tokens":4096"#))
            #expect(clamped.status == .ok)
            let forwarded = try JSONValue.parse(Array((clamped.json["choices"]?.array?.first?["message"]?["content"]?.string ?? "").utf8))
            #expect(forwarded["max_tokens"]?.int == 64)
            let missing = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-echo"))
            let forwarded2 = try JSONValue.parse(Array((missing.json["choices"]?.array?.first?["message"]?["content"]?.string ?? "").utf8))
            #expect(forwarded2["max_tokens"]?.int == 64)
            let newer = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-echo", extra: #","max_completion_tokens":100"#))
            let forwarded3 = try JSONValue.parse(Array((newer.json["choices"]?.array?.first?["message"]?["content"]?.string ?? "").utf8))
            #expect(forwarded3["max_completion_tokens"]?.int == 64)
            let under = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-echo", extra: #","max_tokens":10"#))
            let forwarded4 = try JSONValue.parse(Array((under.json["choices"]?.array?.first?["message"]?["content"]?.string ?? "").utf8))
            #expect(forwarded4["max_tokens"]?.int == 10)
        })
    }

    @Test func maxTokensAboveTheCapIsRefusedWhenConfiguredSo() async throws {
        try await withLimits(LimitSet(maxTokens: 64), overCap: .reject, { client, f in
            let r = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok", extra: #","max_tokens":65"#))
            #expect(r.status == .badRequest)
            #expect(r.errorCode == "max_tokens_above_cap")
            #expect(r.errorParam == "max_tokens")
            #expect(r.json["error"]?["message"]?.string?.contains("cap of 64") == true)
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok", extra: #","max_tokens":64"#)).status == .ok)
        })
    }

    @Test func modelsOutsideTheTierAreNotFound() async throws {
        try await withLimits(LimitSet(models: ["m-ok"]), { client, f in
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat("gpt-4o-mini")).status == .ok)  // alias of m-ok
            let r = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-stream"))
            #expect(r.status == .notFound)
            #expect(r.errorCode == "model_not_found")
            #expect(r.errorParam == "model")
        })
    }

    @Test func aHardMonthlyBudgetStopsAtItsLimitAndAlertsOnTheWay() async throws {
        // Each call reserves 7 + 5 tokens and uses 10 (the fake's usage).
        try await withLimits(LimitSet(monthlyTokens: 25, maxTokens: 5), prices: ["m-ok": ModelPrice(inputPerMillionMicros: 1_000_000, outputPerMillionMicros: 2_000_000)], { client, f in
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok")).status == .ok)
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok")).status == .ok)
            let r = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok"))
            #expect(r.status == .tooManyRequests)
            #expect(r.errorCode == "insufficient_quota")
            #expect(r.json["error"]?["type"]?.string == "insufficient_quota")
            #expect(r.header("x-should-retry") == "false")
            #expect(r.header("retry-after") == nil)
            #expect(r.json["error"]?["message"]?.string?.contains("monthly tokens budget of org \(f.orgID) (20 of 25 tokens used)") == true)
        }, afterShutdown: { f in
            let alerts = try await f.store.events(kind: "budget.alert", limit: 10)
            let payloads = alerts.compactMap { try? JSONValue.parse(Array($0.payload.utf8)) }
            #expect(Set(payloads.compactMap { $0["fraction"]?.double }) == [0.5, 0.8])
            #expect(Set(payloads.compactMap { $0["level"]?.string }) == ["org", "app"])
            let records = try await f.store.usage(limit: 10)
            // 7 prompt tokens at 1.00 and 3 completion tokens at 2.00 per million: 13 micro-units each.
            #expect(records.compactMap(\.costMicros) == [13, 13])
        })
    }

    @Test func aSoftBudgetOnlyAlerts() async throws {
        try await withLimits(LimitSet(dailyTokens: 15, maxTokens: 5), budgetMode: .soft, { client, f in
            for _ in 0..<3 {
                let r = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok"))
                #expect(r.status == .ok)
            }
        }, afterShutdown: { f in
            let payloads = try await f.store.events(kind: "budget.alert", limit: 20).compactMap { try? JSONValue.parse(Array($0.payload.utf8)) }
            #expect(payloads.contains { $0["fraction"]?.double == 1.0 && $0["mode"]?.string == "soft" && $0["budget"]?.string == "daily_tokens" })
        })
    }

    @Test func concurrencyIsCappedWhileASlowRequestIsInFlight() async throws {
        try await withLimits(LimitSet(concurrentRequests: 1), { client, f in
            let port = try #require(client.port)
            async let slow = sideRequest(port: port, key: f.key, json: chat("m-hold"))
            try await Task.sleep(for: .milliseconds(250))
            let refused = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok"))
            #expect(refused.status == .tooManyRequests)
            #expect(refused.errorCode == "rate_limit_exceeded")
            #expect(refused.header("retry-after") == "1")
            let held = try await slow
            #expect(held.status == .ok)
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok")).status == .ok)
        })
    }

    @Test func overridesAndTierChangesTakeEffectAtOnceAndAreAudited() async throws {
        try await withLimits(LimitSet(requestsPerMinute: 1), adminToken: "adm", { client, f in
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok")).status == .ok)
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok")).status == .tooManyRequests)
            let admin: HTTPFields = [.authorization: "Bearer adm", HTTPField.Name("x-warden-actor")!: "alice"]

            let bad = try await client.post("/admin/v1/limits/overrides", key: "adm", json: #"{"level":"app","id":"\#(f.appID)","limits":{"rpm":5},"reason":"x"}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.errorParam == "limits.rpm")
            let noReason = try await client.post("/admin/v1/limits/overrides", key: "adm", json: #"{"level":"app","id":"\#(f.appID)","limits":{"requests_per_minute":5}}"#)
            #expect(noReason.errorParam == "reason")
            let negative = try await client.post("/admin/v1/limits/overrides", key: "adm", json: #"{"level":"app","id":"\#(f.appID)","limits":{"requests_per_minute":-5},"reason":"x"}"#)
            #expect(negative.status == .badRequest)

            let created = try await client.post("/admin/v1/limits/overrides", key: nil,
                                                json: #"{"level":"app","id":"\#(f.appID)","limits":{"requests_per_minute":600},"expires_in_seconds":3600,"reason":"launch"}"#,
                                                headers: admin)
            #expect(created.status == .created)
            // The app now allows 600 a minute but the org's tier still allows 1: the tightest wins.
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok")).status == .tooManyRequests)
            let tier = try await client.executeRequest(uri: "/admin/v1/orgs/\(f.orgID)/limits", method: .put, headers: admin,
                                                       body: ByteBuffer(string: #"{"tier":"production"}"#))
            #expect(tier.status == .ok)
            let ok = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok"))
            #expect(ok.status == .ok)
            #expect(ok.header("x-ratelimit-limit-requests") == "600")

            let unknownTier = try await client.executeRequest(uri: "/admin/v1/apps/\(f.appID)/limits", method: .put, headers: admin,
                                                              body: ByteBuffer(string: #"{"tier":"gold"}"#))
            #expect(unknownTier.status == .badRequest)
            #expect(unknownTier.errorParam == "tier")

            let id = created.json["id"]?.string ?? ""
            let removed = try await client.executeRequest(uri: "/admin/v1/limits/overrides/\(id)", method: .delete, headers: admin, body: nil)
            #expect(removed.status == .ok)
            let after = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok"))
            #expect(after.header("x-ratelimit-limit-requests") == "1000")

            let report = try await client.executeRequest(uri: "/admin/v1/orgs/\(f.orgID)/limits", method: .get, headers: admin, body: nil)
            #expect(report.json["org"]?["tier"]?.string == "production")
            #expect(report.json["org"]?["in_flight"]?.int == 0)
        }, afterShutdown: { f in
            let actions = try await f.store.auditEntries(limit: 20).filter { $0.actor == "admin-api:alice" }.map(\.action)
            #expect(actions == ["limits.override.remove", "org.limits", "limits.override"])
        })
    }

    @Test func usageAndRemainingBudgetsAreReported() async throws {
        try await withLimits(LimitSet(dailyTokens: 1_000, monthlyTokens: 5_000, maxTokens: 5), adminToken: "adm", { client, f in
            for _ in 0..<3 { _ = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok")) }
            // The usage writer flushes every 20 ms here; on a loaded machine a flush can come late,
            // so ask until the third request's usage is in (at most 5 s), never on a fixed sleep.
            var report = try await client.executeRequest(uri: "/admin/v1/orgs/\(f.orgID)/limits", method: .get,
                                                         headers: [.authorization: "Bearer adm"], body: nil)
            let deadline = ContinuousClock.now + .seconds(5)
            while report.json["org"]?["used"]?["month_tokens"]?.int != 30, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                report = try await client.executeRequest(uri: "/admin/v1/orgs/\(f.orgID)/limits", method: .get,
                                                         headers: [.authorization: "Bearer adm"], body: nil)
            }
            #expect(report.json["org"]?["used"]?["month_tokens"]?.int == 30)
            #expect(report.json["org"]?["remaining"]?["daily_tokens"]?.int == 970)
            #expect(report.json["apps"]?.array?.first?["remaining"]?["monthly_tokens"]?.int == 4_970)
            #expect(report.json["org"]?["limits"]?["daily_tokens"]?.int == 1_000)
        })
    }
}

@Suite struct LimitsConfigTests {
    func parse(_ limits: String) throws -> WardenConfig {
        try WardenConfig.parse(yaml: """
            upstreams:
              - name: local
                base_url: http://127.0.0.1:9/v1
                models: [{name: smollm2}]
            limits:
            \(limits)
            """)
    }

    @Test func aValidSectionDecodes() throws {
        let config = try parse("""
              default_tier: sandbox
              budget_mode: soft
              tiers:
                sandbox: {requests_per_minute: 60, monthly_spend: 5.5, models: [smollm2]}
              prices:
                smollm2: {input_per_million: 0.1, output_per_million: 0.2}
            """)
        #expect(config.limits?.tiers["sandbox"]?.limits == LimitSet(requestsPerMinute: 60, monthlySpendMicros: 5_500_000, models: ["smollm2"]))
        #expect(config.limits?.prices["smollm2"] == ModelPrice(inputPerMillionMicros: 100_000, outputPerMillionMicros: 200_000))
        #expect(config.limits?.budgetMode == .soft)
    }

    @Test(arguments: [
        ("  tiers: {sandbox: {requests_per_minute: 1}}", "limits.default_tier: missing"),
        ("  default_tier: gold\n  tiers: {sandbox: {requests_per_minute: 1}}", "limits.default_tier: 'gold' is not a tier"),
        ("  default_tier: sandbox\n  tiers: {sandbox: {requests_per_minute: -1}}", "limits.tiers.sandbox.requests_per_minute must be a positive number (got -1)"),
        ("  default_tier: sandbox\n  tiers: {sandbox: {models: [gpt-9]}}", "limits.tiers.sandbox.models: 'gpt-9' is not a model of any upstream"),
        ("  default_tier: sandbox\n  tiers: {sandbox: {rpm: 5}}", "unknown key 'limits.tiers.sandbox.rpm'"),
        ("  default_tier: sandbox\n  tiers: {sandbox: {}}\n  prices: {gpt-9: {input_per_million: 1, output_per_million: 1}}", "limits.prices.gpt-9: not a model"),
        ("  default_tier: sandbox\n  budget_mode: maybe\n  tiers: {sandbox: {}}", "limits.budget_mode: 'maybe' is not one of hard, soft"),
        ("  default_tier: sandbox\n  alert_fractions: [0.5, 1.5]\n  tiers: {sandbox: {}}", "limits.alert_fractions: 1.5"),
    ])
    func invalidSectionsNameTheKey(yaml: String, expected: String) {
        do {
            _ = try parse(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}

@Suite struct ExampleConfigTests {
    /// `make run` copies this file to warden.yaml: it must load, with its limits and policy.
    @Test func theShippedExampleConfigurationLoads() throws {
        let config = try WardenConfig.load(path: "config/warden.example.yaml")
        #expect(config.limits?.defaultTier == "sandbox")
        #expect(config.limits?.tiers["sandbox"]?.limits.monthlySpendMicros == 5_000_000)
        #expect(config.policy?.file == "config/policy.example.yaml")
        #expect(try config.policy?.platform() == .standard)
        #expect(config.moderation.precise?.escalation == "uncertain" && config.moderation.precise?.band == [0.5, 1.5])
    }
}

@Suite struct LimitsFailureTests {
    @Test func aFailedUpstreamReleasesItsSlotAndIsNotCharged() async throws {
        // Each successful call reserves 7 + 5 tokens and uses 10; the budget holds two of them.
        try await withLiveGateway(configure: { config in
            config.limits = LimitsConfig(defaultTier: "t", tiers: [Tier(name: "t", limits: LimitSet(concurrentRequests: 1, dailyTokens: 30, maxTokens: 5))])
        }, { client, f in
            let down = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-down"))
            #expect(down.status == .badGateway)
            #expect(down.headers[HTTPField.Name("x-ratelimit-limit-requests")!] == nil)
            // The dead upstream's reservation was given back and its slot freed: two calls still fit.
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok")).status == .ok)
            #expect(try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok")).status == .ok)
            let third = try await client.post("/v1/chat/completions", key: f.key, json: chat("m-ok"))
            #expect(third.errorCode == "insufficient_quota")
        })
    }
}
