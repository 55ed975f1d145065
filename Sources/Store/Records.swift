import Foundation

/// An organization: the customer that owns apps and pays for usage.
public struct Org: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var createdAt: Date
    /// The limits tier (`limits.tiers` in the config); `nil`: the default tier.
    public var tier: String?
    /// `hard` or `soft` budgets; `nil`: the configured default.
    public var budgetMode: String?

    public init(id: String, name: String, createdAt: Date, tier: String? = nil, budgetMode: String? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.tier = tier
        self.budgetMode = budgetMode
    }

    enum CodingKeys: String, CodingKey { case id, name, createdAt = "created_at", tier, budgetMode = "budget_mode" }
}

/// An application of an org; keys belong to apps, and later issues attach policy and tiers to them.
public struct App: Codable, Sendable, Equatable {
    public var id: String
    public var orgId: String
    public var name: String
    public var createdAt: Date
    /// The limits tier; `nil`: the org's.
    public var tier: String?

    public init(id: String, orgId: String, name: String, createdAt: Date, tier: String? = nil) {
        self.id = id
        self.orgId = orgId
        self.name = name
        self.createdAt = createdAt
        self.tier = tier
    }

    enum CodingKeys: String, CodingKey { case id, orgId = "org_id", name, createdAt = "created_at", tier }
}

/// An API key as stored: its hash and displayable prefix, never the key itself.
public struct APIKeyRecord: Codable, Sendable, Equatable {
    public var id: String
    public var appId: String
    public var orgId: String
    public var name: String
    /// Displayable, non-secret start of the key (`wdn-AbCd1234`), used to find the hash.
    public var prefix: String
    /// HMAC-SHA256 (or SHA-256) of the key, hex.
    public var hash: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: String, appId: String, orgId: String, name: String, prefix: String, hash: String, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.appId = appId
        self.orgId = orgId
        self.name = name
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }

    enum CodingKeys: String, CodingKey {
        case id, appId = "app_id", orgId = "org_id", name, prefix, hash
        case createdAt = "created_at", revokedAt = "revoked_at"
    }
}

/// One request through the gateway, successful or not: who, what, how much, how long, how it ended.
public struct UsageRecord: Codable, Sendable, Equatable {
    public var id: String
    public var time: Date
    public var endpoint: String
    public var orgId: String?
    public var appId: String?
    public var keyId: String?
    public var endUser: String?
    public var model: String?
    public var upstream: String?
    public var stream: Bool
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// True when token counts were estimated by Warden because the upstream reported none.
    public var tokensEstimated: Bool
    /// Milliseconds from the request's arrival to the first byte of the response body sent to the client.
    public var firstByteMs: Double?
    public var totalMs: Double
    public var status: Int
    public var errorCode: String?
    /// Prompt and completion as the retention setting allows (`nil`, a hash, or the text).
    public var promptText: String?
    public var completionText: String?
    /// What the request cost, in micro-units of the operator's currency (`nil`: no price configured).
    public var costMicros: Int64?
    /// The policy version the request was decided under (`p3` or `p3.a2`), its strictest action
    /// (`allow`, `flag`, `block`) and the decisions as JSON (`{"input": {…}, "output": {…}}`).
    public var policyVersion: String?
    public var policyAction: String?
    public var policyDecision: String?

    public init(id: String, time: Date, endpoint: String, orgId: String? = nil, appId: String? = nil, keyId: String? = nil,
                endUser: String? = nil, model: String? = nil, upstream: String? = nil, stream: Bool = false,
                promptTokens: Int? = nil, completionTokens: Int? = nil, tokensEstimated: Bool = false,
                firstByteMs: Double? = nil, totalMs: Double, status: Int, errorCode: String? = nil,
                promptText: String? = nil, completionText: String? = nil, costMicros: Int64? = nil,
                policyVersion: String? = nil, policyAction: String? = nil, policyDecision: String? = nil) {
        self.id = id
        self.time = time
        self.endpoint = endpoint
        self.orgId = orgId
        self.appId = appId
        self.keyId = keyId
        self.endUser = endUser
        self.model = model
        self.upstream = upstream
        self.stream = stream
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.tokensEstimated = tokensEstimated
        self.firstByteMs = firstByteMs
        self.totalMs = totalMs
        self.status = status
        self.errorCode = errorCode
        self.promptText = promptText
        self.completionText = completionText
        self.costMicros = costMicros
        self.policyVersion = policyVersion
        self.policyAction = policyAction
        self.policyDecision = policyDecision
    }

    enum CodingKeys: String, CodingKey {
        case costMicros = "cost_micros", policyVersion = "policy_version", policyAction = "policy_action", policyDecision = "policy_decision"
        case id, time, endpoint, orgId = "org_id", appId = "app_id", keyId = "key_id", endUser = "end_user"
        case model, upstream, stream, promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        case tokensEstimated = "tokens_estimated", firstByteMs = "first_byte_ms", totalMs = "total_ms"
        case status, errorCode = "error_code", promptText = "prompt_text", completionText = "completion_text"
    }
}

/// One entry of the audit log: who changed what, when, with the state before and after (JSON).
public struct AuditEntry: Codable, Sendable, Equatable {
    public var id: String
    public var time: Date
    /// Who acted: `admin-api`, `cli:<user>`, `system`.
    public var actor: String
    /// What was done, e.g. `org.create`, `key.revoke`.
    public var action: String
    public var targetType: String
    public var targetId: String
    public var before: String?
    public var after: String?

    public init(id: String, time: Date, actor: String, action: String, targetType: String, targetId: String, before: String?, after: String?) {
        self.id = id
        self.time = time
        self.actor = actor
        self.action = action
        self.targetType = targetType
        self.targetId = targetId
        self.before = before
        self.after = after
    }

    enum CodingKeys: String, CodingKey {
        case id, time, actor, action, targetType = "target_type", targetId = "target_id", before, after
    }
}
