import Foundation
import Limits
import Store

/// What an org, its apps and its keys may use and have used: tiers, effective limits, active
/// overrides, this day's and month's tokens and spend (from the usage records, so the CLI and the
/// admin API agree), what remains of each budget and, from a serving gateway, what is in flight.
///
/// ```swift
/// let report = try await LimitsReport.build(orgId: "org_…", store: store, config: limitsConfig, now: Date(), live: nil)
/// report.org.remaining.monthlyTokens   // e.g. 1_998_214
/// ```
public struct LimitsReport: Encodable, Sendable {
    public var org: Scope
    public var apps: [Scope]
    public var keys: [Scope]

    public struct Scope: Encodable, Sendable {
        public var level: String
        public var id: String
        public var name: String?
        public var tier: String?
        public var budgetMode: String
        public var limits: LimitSet
        public var used: Usage
        public var remaining: Remaining
        public var inFlight: Int?
        public var overrides: [LimitOverrideRecord]

        enum CodingKeys: String, CodingKey {
            case level, id, name, tier, budgetMode = "budget_mode", limits, used, remaining, inFlight = "in_flight", overrides
        }
    }

    public struct Usage: Encodable, Sendable {
        public var dayTokens = 0
        public var monthTokens = 0
        public var monthSpendMicros: Int64 = 0
        enum CodingKeys: String, CodingKey { case dayTokens = "day_tokens", monthTokens = "month_tokens", monthSpendMicros = "month_spend_micros" }
    }

    public struct Remaining: Encodable, Sendable {
        public var dailyTokens: Int?
        public var monthlyTokens: Int?
        public var monthlySpendMicros: Int64?
        enum CodingKeys: String, CodingKey { case dailyTokens = "daily_tokens", monthlyTokens = "monthly_tokens", monthlySpendMicros = "monthly_spend_micros" }
    }

    public static func build(orgId: String, store: any WardenStore, config: LimitsConfig, now: Date, live: LimiterState?) async throws -> LimitsReport {
        guard let org = try await store.org(id: orgId) else { throw StoreError.notFound(kind: "org", id: orgId) }
        let apps = try await store.apps(orgId: orgId)
        let keys = try await store.keys(appId: nil).filter { $0.orgId == orgId }
        let overrides = try await store.limitOverrides()
        let unix = Int64(now.timeIntervalSince1970)
        let period = BudgetPeriod(unixSeconds: unix)
        let monthTotals = try await store.usageTotals(since: Date(timeIntervalSince1970: TimeInterval(period.monthStartUnixSeconds)))
            .filter { $0.orgId == orgId }
        let dayTotals = try await store.usageTotals(since: Date(timeIntervalSince1970: TimeInterval(period.day) * 86_400))
            .filter { $0.orgId == orgId }
        let plan = GatewayLimits.plan(config, orgs: [org], apps: apps, overrides: overrides, atUnixSeconds: unix)
        let active = overrides.filter { o in o.expiresAt.map { $0 > now } ?? true }

        func usage(_ match: (UsageTotal) -> Bool) -> Usage {
            Usage(dayTokens: dayTotals.filter(match).reduce(0) { $0 + $1.tokens },
                  monthTokens: monthTotals.filter(match).reduce(0) { $0 + $1.tokens },
                  monthSpendMicros: monthTotals.filter(match).reduce(0) { $0 + $1.costMicros })
        }
        func scope(_ scoped: ScopedLimits, name: String?, tier: String?, used: Usage) -> Scope {
            let l = scoped.limits
            return Scope(level: scoped.scope.level, id: scoped.scope.id, name: name, tier: tier, budgetMode: scoped.budgetMode.rawValue,
                         limits: l, used: used,
                         remaining: Remaining(dailyTokens: l.dailyTokens.map { max(0, $0 - used.dayTokens) },
                                              monthlyTokens: l.monthlyTokens.map { max(0, $0 - used.monthTokens) },
                                              monthlySpendMicros: l.monthlySpendMicros.map { max(0, $0 - used.monthSpendMicros) }),
                         inFlight: live?.inFlight(scoped.scope),
                         overrides: active.filter { $0.level == scoped.scope.level && $0.targetId == scoped.scope.id })
        }
        let orgTier = org.tier ?? config.defaultTier
        let orgScope = plan.scope(orgId: org.id) ?? ScopedLimits(scope: .org(org.id), limits: .unlimited)
        let appReports = apps.compactMap { app -> Scope? in
            guard let appScope = plan.scopes(appId: app.id, keyId: "").last else { return nil }
            return scope(appScope, name: app.name, tier: app.tier ?? orgTier, used: usage { $0.appId == app.id })
        }
        let keyReports = keys.compactMap { key -> Scope? in
            guard var keyScope = plan.scope(keyId: key.id) else { return nil }
            keyScope.budgetMode = orgScope.budgetMode
            return scope(keyScope, name: key.name, tier: nil, used: usage { $0.keyId == key.id })
        }
        return LimitsReport(org: scope(orgScope, name: org.name, tier: orgTier, used: usage { _ in true }), apps: appReports, keys: keyReports)
    }
}
