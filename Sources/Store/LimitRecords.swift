import Foundation

/// An operator's change to the limits of one org, app or key, as stored. `limits` is the JSON of
/// the fields it sets (the Limits module's `LimitSet`); `expiresAt` `nil` means until removed.
public struct LimitOverrideRecord: Codable, Sendable, Equatable {
    public var id: String
    /// `org`, `app` or `key`.
    public var level: String
    public var targetId: String
    public var limits: String
    public var expiresAt: Date?
    public var reason: String
    public var createdBy: String
    public var createdAt: Date

    public init(id: String, level: String, targetId: String, limits: String, expiresAt: Date?, reason: String, createdBy: String, createdAt: Date) {
        self.id = id
        self.level = level
        self.targetId = targetId
        self.limits = limits
        self.expiresAt = expiresAt
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, level, targetId = "target_id", limits, expiresAt = "expires_at", reason, createdBy = "created_by", createdAt = "created_at"
    }
}

/// Something that happened that monitors, webhooks and reviewers consume later (a budget alert,
/// for now). `payload` is JSON.
public struct EventRecord: Codable, Sendable, Equatable {
    public var id: String
    public var time: Date
    /// e.g. `budget.alert`.
    public var kind: String
    public var orgId: String?
    public var appId: String?
    public var keyId: String?
    public var payload: String

    public init(id: String, time: Date, kind: String, orgId: String? = nil, appId: String? = nil, keyId: String? = nil, payload: String) {
        self.id = id
        self.time = time
        self.kind = kind
        self.orgId = orgId
        self.appId = appId
        self.keyId = keyId
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey { case id, time, kind, orgId = "org_id", appId = "app_id", keyId = "key_id", payload }
}

/// Tokens and cost of the usage records of one key, summed over a period (budget recovery after
/// a restart, and `warden limits show`).
public struct UsageTotal: Sendable, Equatable {
    public var orgId: String
    public var appId: String
    public var keyId: String
    public var tokens: Int
    public var costMicros: Int64

    public init(orgId: String, appId: String, keyId: String, tokens: Int, costMicros: Int64) {
        self.orgId = orgId
        self.appId = appId
        self.keyId = keyId
        self.tokens = tokens
        self.costMicros = costMicros
    }
}
