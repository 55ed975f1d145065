import Foundation
import Limits
import Logging
import Store
import Synchronization
import WardenCore

/// The limits of a running gateway: the resolved plan (tiers, assignments, overrides) and the
/// limiter state, both in memory behind locks, so a check never waits on the store. The plan is a
/// `TenantCache` reloaded by the `TenantRefresher`; budget counters are recovered from the usage
/// records at startup (`recover(from:)`), and alerts go to the event writer.
///
/// ```swift
/// let limits = GatewayLimits(config: config.limits!, events: eventWriter, logger: logger)
/// try await limits.recover(from: store)
/// switch limits.admit(limits.scopes(for: principal), demand: LimitDemand(tokens: 1_200)) { … }
/// ```
public final class GatewayLimits: TenantCache, Sendable {
    public let config: LimitsConfig
    private let state: Mutex<LimiterState>
    private let plan = Mutex<LimitPlan?>(nil)
    private let events: EventWriter?
    private let logger: Logger
    private let start = ContinuousClock.now
    /// Seconds added to the wall clock (tests move time forward to cross budget periods).
    private let wallOffset = Atomic<Int64>(0)

    public init(config: LimitsConfig, events: EventWriter?, logger: Logger) {
        self.config = config
        self.state = Mutex(LimiterState(alertFractions: config.alertFractions))
        self.events = events
        self.logger = logger
    }

    /// Now, as the limiter sees it.
    public var clock: LimitClock {
        let elapsed = (ContinuousClock.now - start).components
        let nanos = elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
        return LimitClock(nanos: nanos, unixSeconds: Int64(Date().timeIntervalSince1970) + wallOffset.load(ordering: .relaxed))
    }

    /// The scopes a principal's request is held to (empty until the plan knows its app).
    public func scopes(for principal: Principal) -> [ScopedLimits] {
        plan.withLock { $0?.scopes(appId: principal.appId, keyId: principal.keyId) ?? [] }
    }

    public func admit(_ scopes: [ScopedLimits], demand: LimitDemand) -> LimitAdmission {
        let now = clock
        return state.withLock { $0.admit(scopes, demand: demand, at: now) }
    }

    /// Ends an admitted request with what it really used; alerts crossed go to the event writer.
    public func finish(_ ticket: LimitTicket, tokens: Int, spendMicros: Int64) {
        let now = clock
        let alerts = state.withLock { $0.finish(ticket, tokens: tokens, spendMicros: spendMicros, at: now) }
        for alert in alerts { publish(alert, at: now) }
    }

    /// The price of a model (by its public name), if configured.
    public func price(for model: String) -> ModelPrice? { config.prices[model] }

    /// A copy of the limiter state, for the admin API.
    public var stateSnapshot: LimiterState { state.withLock { $0 } }

    // MARK: TenantCache

    public func reload(from store: any WardenStore) async throws {
        let orgs = try await store.orgs(), apps = try await store.apps(orgId: nil), overrides = try await store.limitOverrides()
        let overriddenKeys = Set(overrides.filter { $0.level == "key" }.map(\.targetId))
        let keyApps = overriddenKeys.isEmpty ? [:] : Dictionary(
            try await store.keys(appId: nil).filter { overriddenKeys.contains($0.id) }.map { ($0.id, $0.appId) }, uniquingKeysWith: { a, _ in a })
        let fresh = Self.plan(config, orgs: orgs, apps: apps, overrides: overrides, keyApps: keyApps, atUnixSeconds: clock.unixSeconds)
        if !fresh.unknownTiers.isEmpty {
            logger.warning("tenants name tiers the configuration does not define; the default tier applies",
                           metadata: ["tiers": "\(fresh.unknownTiers.sorted())", "default_tier": "\(config.defaultTier)"])
        }
        plan.withLock { $0 = fresh }
    }

    public var isStale: Bool {
        let now = clock.unixSeconds
        return plan.withLock { $0?.isStale(atUnixSeconds: now) ?? false }
    }

    /// Counts this month's and today's usage records into the budgets (after a restart).
    public func recover(from store: any WardenStore) async throws {
        let now = clock
        let period = now.period
        let month = try await store.usageTotals(since: Date(timeIntervalSince1970: TimeInterval(period.monthStartUnixSeconds)))
        let today = try await store.usageTotals(since: Date(timeIntervalSince1970: TimeInterval(period.day) * 86_400))
        var day: [LimitScope: Int] = [:], tokens: [LimitScope: Int] = [:], spend: [LimitScope: Int64] = [:]
        for total in month {
            for scope in [LimitScope.org(total.orgId), .app(total.appId), .key(total.keyId)] {
                tokens[scope, default: 0] += total.tokens
                spend[scope, default: 0] += total.costMicros
            }
        }
        for total in today {
            for scope in [LimitScope.org(total.orgId), .app(total.appId), .key(total.keyId)] { day[scope, default: 0] += total.tokens }
        }
        state.withLock { state in
            for (scope, monthTokens) in tokens {
                state.seed(scope, dayTokens: day[scope] ?? 0, monthTokens: monthTokens, monthSpendMicros: spend[scope] ?? 0, at: now)
            }
        }
        logger.info("budgets recovered from usage records", metadata: ["scopes": "\(tokens.count)"])
    }

    /// Moves the limiter's wall clock (tests: cross a day or month without waiting).
    public func advanceWallClock(seconds: Int64) { wallOffset.add(seconds, ordering: .relaxed) }

    // MARK: Helpers

    /// The limit plan of these stored tenants and overrides under the configured tiers.
    static func plan(_ config: LimitsConfig, orgs: [Org], apps: [App], overrides: [LimitOverrideRecord],
                     keyApps: [String: String] = [:], atUnixSeconds now: Int64) -> LimitPlan {
        LimitPlan(
            tiers: config.tiers, defaultTier: config.defaultTier, defaultBudgetMode: config.budgetMode,
            orgs: orgs.map { TenantLimitSettings(id: $0.id, orgId: $0.id, tier: $0.tier, budgetMode: $0.budgetMode.flatMap(BudgetMode.init(rawValue:))) },
            apps: apps.map { TenantLimitSettings(id: $0.id, orgId: $0.orgId, tier: $0.tier) },
            overrides: overrides.compactMap(override), atUnixSeconds: now, keyApps: keyApps)
    }

    static func override(_ record: LimitOverrideRecord) -> LimitOverride? {
        guard let scope = LimitScope(level: record.level, id: record.targetId),
              let limits = try? JSONDecoder().decode(LimitSet.self, from: Data(record.limits.utf8)) else { return nil }
        return LimitOverride(id: record.id, scope: scope, limits: limits, expiresAt: record.expiresAt.map { Int64($0.timeIntervalSince1970) },
                             reason: record.reason, createdBy: record.createdBy,
                             createdAt: Int64(record.createdAt.timeIntervalSince1970 * 1000))   // milliseconds: only orders overrides
    }

    private func publish(_ alert: BudgetAlert, at clock: LimitClock) {
        logger.notice("budget alert", metadata: [
            "scope": "\(alert.scope)", "budget": "\(alert.kind.rawValue)", "fraction": "\(alert.fraction)",
            "used": "\(alert.used)", "limit": "\(alert.limit)", "mode": "\(alert.mode.rawValue)",
        ])
        guard let events else { return }
        let payload = JSONValue.object([
            ("level", .string(alert.scope.level)), ("id", .string(alert.scope.id)), ("budget", .string(alert.kind.rawValue)),
            ("fraction", .number(String(alert.fraction))), ("used", .number(String(alert.used))),
            ("limit", .number(String(alert.limit))), ("mode", .string(alert.mode.rawValue)),
        ])
        let ids = (org: alert.scope.level == "org" ? alert.scope.id : nil, app: alert.scope.level == "app" ? alert.scope.id : nil,
                   key: alert.scope.level == "key" ? alert.scope.id : nil)
        events.submit(EventRecord(id: Identifier.make(.event), time: Date(timeIntervalSince1970: TimeInterval(clock.unixSeconds)),
                                  kind: "budget.alert", orgId: ids.org, appId: ids.app, keyId: ids.key, payload: payload.serializedString()))
    }
}
