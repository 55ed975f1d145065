import Testing
@testable import Limits

@Suite struct LimitPlanTests {
    let tiers = [
        "sandbox": Tier(name: "sandbox", limits: LimitSet(requestsPerMinute: 60, tokensPerMinute: 40_000, monthlyTokens: 1_000_000, maxTokens: 512)),
        "production": Tier(name: "production", limits: LimitSet(requestsPerMinute: 3_000, tokensPerMinute: 1_000_000, maxTokens: 4_096)),
    ]
    let orgs = [TenantLimitSettings(id: "org_a", orgId: "org_a"), TenantLimitSettings(id: "org_b", orgId: "org_b", tier: "production", budgetMode: .soft)]
    let apps = [TenantLimitSettings(id: "app_a1", orgId: "org_a"), TenantLimitSettings(id: "app_b1", orgId: "org_b"),
                TenantLimitSettings(id: "app_b2", orgId: "org_b", tier: "sandbox")]

    func plan(_ overrides: [LimitOverride] = [], now: Int64 = 1_000) -> LimitPlan {
        LimitPlan(tiers: tiers, defaultTier: "sandbox", defaultBudgetMode: .hard, orgs: orgs, apps: apps, overrides: overrides, atUnixSeconds: now)
    }

    @Test func appsInheritTheirOrgsTierUnlessAssignedOne() {
        let p = plan()
        #expect(p.scopes(appId: "app_a1", keyId: "k").map(\.limits.requestsPerMinute) == [60, 60])
        #expect(p.scopes(appId: "app_b1", keyId: "k").map(\.limits.requestsPerMinute) == [3_000, 3_000])
        #expect(p.scopes(appId: "app_b2", keyId: "k").map(\.limits.requestsPerMinute) == [3_000, 60])
        #expect(p.scopes(appId: "app_b2", keyId: "k").map(\.budgetMode) == [.soft, .soft])
        #expect(p.scopes(appId: "nope", keyId: "k").isEmpty)
    }

    @Test func overridesApplyFieldByFieldNewestLastAndExpire() {
        let overrides = [
            LimitOverride(id: "o2", scope: .app("app_a1"), limits: LimitSet(requestsPerMinute: 600), expiresAt: 2_000, reason: "launch", createdBy: "admin", createdAt: 20),
            LimitOverride(id: "o1", scope: .app("app_a1"), limits: LimitSet(requestsPerMinute: 120, maxTokens: 1_024), expiresAt: nil, reason: "", createdBy: "admin", createdAt: 10),
            LimitOverride(id: "o3", scope: .key("key_1"), limits: LimitSet(concurrentRequests: 2), expiresAt: 1_500, reason: "", createdBy: "admin", createdAt: 30),
        ]
        let now = plan(overrides)
        let scopes = now.scopes(appId: "app_a1", keyId: "key_1")
        #expect(scopes.map(\.scope) == [.org("org_a"), .app("app_a1"), .key("key_1")])
        #expect(scopes[1].limits.requestsPerMinute == 600)
        #expect(scopes[1].limits.maxTokens == 1_024)
        #expect(scopes[1].limits.tokensPerMinute == 40_000)
        #expect(scopes[2].limits == LimitSet(concurrentRequests: 2))
        #expect(now.validUntil == 1_500)
        #expect(!now.isStale(atUnixSeconds: 1_499))
        #expect(now.isStale(atUnixSeconds: 1_500))

        let later = plan(overrides, now: 1_600)
        #expect(later.scopes(appId: "app_a1", keyId: "key_1").count == 2)
        #expect(later.validUntil == 2_000)
        let after = plan(overrides, now: 2_000)
        #expect(after.scopes(appId: "app_a1", keyId: "key_1")[1].limits.requestsPerMinute == 120)
        #expect(after.validUntil == nil)
    }

    @Test func anUnknownTierFallsBackToTheDefaultAndIsReported() {
        let p = LimitPlan(tiers: tiers, defaultTier: "sandbox", defaultBudgetMode: .hard,
                          orgs: [TenantLimitSettings(id: "o", orgId: "o", tier: "gold")], apps: [TenantLimitSettings(id: "a", orgId: "o")],
                          overrides: [], atUnixSeconds: 0)
        #expect(p.unknownTiers == ["gold"])
        #expect(p.scopes(appId: "a", keyId: "k").map(\.limits.requestsPerMinute) == [60, 60])
    }

    @Test func problemsNameTheField() {
        #expect(LimitSet(requestsPerMinute: 0, dailyTokens: -5, models: []).problems() == [
            "requests_per_minute must be a positive number (got 0)",
            "daily_tokens must be a positive number (got -5)",
            "models must name at least one model (omit it to allow all)",
        ])
        #expect(tiers["sandbox"]!.limits.problems().isEmpty)
    }
}
