import Foundation
import Hummingbird
import Limits
import Store
import WardenCore

/// `/admin/v1/…` for limits: the tiers, an org's usage and remaining budgets, tier assignments,
/// temporary overrides, and the events (budget alerts). Every change is audited (through
/// `TenantDirectory`) and the gateway's limit plan reloads at once.
///
/// ```
/// GET    /admin/v1/limits/tiers
/// GET    /admin/v1/orgs/{id}/limits                      usage, remaining, in flight, overrides
/// PUT    /admin/v1/orgs/{id}/limits   {"tier": "production", "budget_mode": "soft"}
/// PUT    /admin/v1/apps/{id}/limits   {"tier": "sandbox"}           (null: the org's tier)
/// GET    /admin/v1/limits/overrides
/// POST   /admin/v1/limits/overrides   {"level": "app", "id": "app_…", "limits": {"requests_per_minute": 600},
///                                      "expires_in_seconds": 3600, "reason": "launch day"}
/// DELETE /admin/v1/limits/overrides/{id}
/// GET    /admin/v1/events?kind=budget.alert
/// ```
struct LimitsAdminRoutes: Sendable {
    let directory: TenantDirectory
    let refresher: TenantRefresher
    let limits: GatewayLimits?

    func register(on group: RouterGroup<WardenRequestContext>) {
        group.get("events") { request, _ in
            try await AdminRoutes.json(directory.store.events(kind: request.uri.queryParameters.get("kind"), limit: AdminRoutes.limit(request)))
        }
        group.get("limits/tiers") { _, _ in
            let config = try configured()
            return try AdminRoutes.json(TiersView(defaultTier: config.defaultTier, budgetMode: config.budgetMode.rawValue,
                                                  overCap: config.overCap.rawValue, tiers: config.tiers.mapValues(\.limits)))
        }
        group.get("orgs/:id/limits") { _, context in
            let config = try configured()
            return try AdminRoutes.json(await LimitsReport.build(orgId: try context.parameters.require("id"), store: directory.store,
                                                                 config: config, now: Date(), live: limits?.stateSnapshot))
        }
        group.put("orgs/:id/limits") { request, context in
            let config = try configured()
            let input = try await AdminRoutes.decode(OrgLimitsInput.self, request, context)
            try Self.check(tier: input.tier, in: config)
            if let mode = input.budgetMode, BudgetMode(rawValue: mode) == nil {
                throw OpenAIError.invalidRequest("'budget_mode' must be hard or soft.", param: "budget_mode")
            }
            let org = try await directory.setOrgLimits(id: try context.parameters.require("id"), tier: input.tier, budgetMode: input.budgetMode,
                                                       actor: AdminRoutes.actor(request))
            try await refresher.refresh(force: true)
            return try AdminRoutes.json(org)
        }
        group.put("apps/:id/limits") { request, context in
            let input = try await AdminRoutes.decode(AppLimitsInput.self, request, context)
            try Self.check(tier: input.tier, in: try configured())
            let app = try await directory.setAppTier(id: try context.parameters.require("id"), tier: input.tier, actor: AdminRoutes.actor(request))
            try await refresher.refresh(force: true)
            return try AdminRoutes.json(app)
        }
        group.get("limits/overrides") { _, _ in try AdminRoutes.json(await directory.store.limitOverrides()) }
        group.post("limits/overrides") { request, context in
            _ = try configured()
            var request = request
            let body = try await request.collectBody(limit: 1 << 20)
            let input = try OverrideInput.parse(Data(body.readableBytesView))
            let record = try await directory.addLimitOverride(
                level: input.level, targetId: input.id, limits: input.limitsJSON, expiresAt: input.expiresAt,
                reason: input.reason, actor: AdminRoutes.actor(request))
            try await refresher.refresh(force: true)
            return try AdminRoutes.json(record, status: .created)
        }
        group.delete("limits/overrides/:id") { request, context in
            let record = try await directory.removeLimitOverride(id: try context.parameters.require("id"), actor: AdminRoutes.actor(request))
            try await refresher.refresh(force: true)
            return try AdminRoutes.json(record)
        }
    }

    private func configured() throws -> LimitsConfig {
        guard let config = limits?.config else {
            throw OpenAIError(status: 404, message: "Limits are not configured: add a 'limits:' section to warden.yaml.", type: "invalid_request_error", code: "limits_not_configured")
        }
        return config
    }

    static func check(tier: String?, in config: LimitsConfig) throws {
        guard let tier, config.tiers[tier] == nil else { return }
        throw OpenAIError.invalidRequest("Unknown tier '\(tier)'. Tiers: \(config.tiers.keys.sorted().joined(separator: ", ")).", param: "tier")
    }

    struct TiersView: Encodable {
        let defaultTier: String
        let budgetMode: String
        let overCap: String
        let tiers: [String: LimitSet]
        enum CodingKeys: String, CodingKey { case defaultTier = "default_tier", budgetMode = "budget_mode", overCap = "over_cap", tiers }
    }
    struct OrgLimitsInput: Decodable {
        let tier: String?
        let budgetMode: String?
        enum CodingKeys: String, CodingKey { case tier, budgetMode = "budget_mode" }
    }
    struct AppLimitsInput: Decodable { let tier: String? }
}

/// A request to override limits, checked strictly: unknown fields, non-positive limits, a past
/// expiry or a missing reason are 400s naming the field.
public struct OverrideInput: Sendable {
    public var level: String
    public var id: String
    public var limits: LimitSet
    public var expiresAt: Date?
    public var reason: String

    public var limitsJSON: String { Self.json(limits) }

    /// The stored form of an override's limits: JSON with sorted keys, only the fields set.
    public static func json(_ limits: LimitSet) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(limits)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func parse(_ data: Data, now: Date = Date()) throws -> OverrideInput {
        let object = try JSONInput(data, fields: ["level", "id", "limits", "expires_in_seconds", "expires_at", "reason"],
                                   shape: #"{"level": "app", "id": "app_…", "limits": {…}, "reason": "…"}"#)
        guard let level = object["level"] as? String, ["org", "app", "key"].contains(level) else {
            throw OpenAIError.invalidRequest("'level' must be org, app or key.", param: "level")
        }
        let id = try object.text("id")
        let reason = try object.text("reason", why: "overrides are audited: say why")
        guard let rawLimits = object["limits"] as? [String: Any], !rawLimits.isEmpty else {
            throw OpenAIError.invalidRequest("'limits' must be an object with at least one limit.", param: "limits")
        }
        if let unknown = rawLimits.keys.sorted().first(where: { !LimitSet.fieldNames.contains($0) }) {
            throw OpenAIError.invalidRequest("Unknown limit 'limits.\(unknown)'. Limits: \(LimitSet.fieldNames.sorted().joined(separator: ", ")).", param: "limits.\(unknown)")
        }
        let limits: LimitSet
        do {
            limits = try JSONDecoder().decode(LimitSet.self, from: JSONSerialization.data(withJSONObject: rawLimits))
        } catch {
            throw OpenAIError.invalidRequest("'limits' has a value of the wrong type: numbers for limits, a list of names for models.", param: "limits")
        }
        if let problem = limits.problems().first { throw OpenAIError.invalidRequest("limits.\(problem).", param: "limits") }
        var expiresAt: Date?
        if let seconds = object["expires_in_seconds"] as? Double {
            guard seconds > 0 else { throw OpenAIError.invalidRequest("'expires_in_seconds' must be positive.", param: "expires_in_seconds") }
            expiresAt = now.addingTimeInterval(seconds)
        } else if let text = object["expires_at"] as? String {
            guard let date = ISO8601DateFormatter().date(from: text), date > now else {
                throw OpenAIError.invalidRequest("'expires_at' must be a future ISO 8601 time (2026-12-01T00:00:00Z).", param: "expires_at")
            }
            expiresAt = date
        }
        return OverrideInput(level: level, id: id, limits: limits, expiresAt: expiresAt, reason: reason)
    }
}
