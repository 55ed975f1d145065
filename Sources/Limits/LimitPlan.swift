/// A named bundle of limits (`sandbox`, `production`, …) from the configuration.
public struct Tier: Sendable, Equatable {
    public var name: String
    public var limits: LimitSet

    public init(name: String, limits: LimitSet) {
        self.name = name
        self.limits = limits
    }
}

/// A change to one scope's limits set by an operator, permanent or until `expiresAt`.
public struct LimitOverride: Codable, Sendable, Equatable {
    public var id: String
    public var level: String
    public var targetId: String
    public var limits: LimitSet
    /// Unix seconds; `nil`: until removed.
    public var expiresAt: Int64?
    public var reason: String
    public var createdBy: String
    public var createdAt: Int64

    public init(id: String, scope: LimitScope, limits: LimitSet, expiresAt: Int64?, reason: String, createdBy: String, createdAt: Int64) {
        self.id = id
        self.level = scope.level
        self.targetId = scope.id
        self.limits = limits
        self.expiresAt = expiresAt
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    public var scope: LimitScope? { LimitScope(level: level, id: targetId) }

    public func isActive(atUnixSeconds now: Int64) -> Bool { expiresAt.map { now < $0 } ?? true }
}

/// What the plan needs to know of an org or app: its tier (if assigned) and the org's budget mode.
public struct TenantLimitSettings: Sendable, Equatable {
    public var id: String
    public var orgId: String
    public var tier: String?
    public var budgetMode: BudgetMode?

    public init(id: String, orgId: String, tier: String? = nil, budgetMode: BudgetMode? = nil) {
        self.id = id
        self.orgId = orgId
        self.tier = tier
        self.budgetMode = budgetMode
    }
}

/// The limits of every org, app and key, resolved once when tenants, tiers or overrides change,
/// so a request only looks up its app and key.
///
/// Resolution: an org has its tier (or the default tier) with its overrides on top; an app has
/// its own tier (or its org's) with its overrides on top; a key has limits only when an override
/// names it. Overrides apply oldest first, so the newest wins field by field. A request is held
/// to all three scopes at once; the tightest wins.
///
/// `keyApps` (key → app) lets the plan build the scope chains of keys with overrides up front.
///
/// ```swift
/// let plan = LimitPlan(tiers: tiers, defaultTier: "sandbox", defaultBudgetMode: .hard,
///                      orgs: orgs, apps: apps, overrides: overrides, atUnixSeconds: now)
/// plan.scopes(appId: "app_1", keyId: "key_1")   // [org, app, (key)]
/// ```
public struct LimitPlan: Sendable {
    private var byApp: [String: [ScopedLimits]] = [:]
    private var byKey: [String: ScopedLimits] = [:]
    /// Org, app and key scopes of keys with limits of their own, built once (no allocation per request).
    private var keyChains: [String: [ScopedLimits]] = [:]
    private var byOrg: [String: ScopedLimits] = [:]
    /// Unix second at which an override expires and the plan must be rebuilt; `nil`: never.
    public private(set) var validUntil: Int64?
    /// Tiers named by orgs or apps that the configuration does not define (the default tier was used).
    public private(set) var unknownTiers: Set<String> = []

    public init(tiers: [String: Tier], defaultTier: String, defaultBudgetMode: BudgetMode,
                orgs: [TenantLimitSettings], apps: [TenantLimitSettings], overrides: [LimitOverride], atUnixSeconds now: Int64,
                keyApps: [String: String] = [:]) {
        let active = overrides.filter { $0.isActive(atUnixSeconds: now) }.sorted { $0.createdAt < $1.createdAt }
        validUntil = active.compactMap(\.expiresAt).min()
        func overridden(_ scope: LimitScope, _ base: LimitSet) -> LimitSet {
            active.filter { $0.scope == scope }.reduce(base) { $1.limits.overriding($0) }
        }
        var unknown = Set<String>()
        func tierLimits(_ name: String?) -> LimitSet {
            let wanted = name ?? defaultTier
            if let tier = tiers[wanted] { return tier.limits }
            unknown.insert(wanted)
            return tiers[defaultTier]?.limits ?? .unlimited
        }
        var orgScopes: [String: ScopedLimits] = [:]
        for org in orgs {
            let mode = org.budgetMode ?? defaultBudgetMode
            orgScopes[org.id] = ScopedLimits(scope: .org(org.id), limits: overridden(.org(org.id), tierLimits(org.tier)), budgetMode: mode)
        }
        for app in apps {
            guard let org = orgScopes[app.orgId] else { continue }
            let tierName = app.tier ?? orgs.first { $0.id == app.orgId }?.tier
            let limits = overridden(.app(app.id), tierLimits(tierName))
            byApp[app.id] = [org, ScopedLimits(scope: .app(app.id), limits: limits, budgetMode: org.budgetMode)]
        }
        for override in active where override.level == "key" {
            byKey[override.targetId] = ScopedLimits(scope: .key(override.targetId), limits: overridden(.key(override.targetId), .unlimited))
        }
        unknownTiers = unknown
        byOrg = orgScopes
        for (keyId, appId) in keyApps {
            guard let key = byKey[keyId], let chain = byApp[appId] else { continue }
            keyChains[keyId] = chain + [ScopedLimits(scope: key.scope, limits: key.limits, budgetMode: chain[0].budgetMode)]
        }
    }

    /// An org's own scope (also for orgs without apps).
    public func scope(orgId: String) -> ScopedLimits? { byOrg[orgId] }

    /// A key's own scope, when overrides give it limits.
    public func scope(keyId: String) -> ScopedLimits? { byKey[keyId] }

    /// The scopes a request by this key of this app is held to: org, app and, when it has
    /// limits of its own, the key. Empty for an app the plan does not know.
    public func scopes(appId: String, keyId: String) -> [ScopedLimits] {
        if let chain = keyChains[keyId] { return chain }
        guard var scopes = byApp[appId] else { return [] }
        if var key = byKey[keyId] {
            key.budgetMode = scopes[0].budgetMode    // a key follows its org's budget mode
            scopes.append(key)
        }
        return scopes
    }

    /// Whether the plan is stale at this time (an override expired).
    public func isStale(atUnixSeconds now: Int64) -> Bool { validUntil.map { now >= $0 } ?? false }
}
