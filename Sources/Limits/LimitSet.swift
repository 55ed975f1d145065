/// The limits that apply to one scope (an org, an app or a key): per-minute rates, concurrency,
/// token and spend budgets, the `max_tokens` cap and the models it may call. A field left `nil`
/// means "no limit of this kind at this scope".
///
/// ```swift
/// let sandbox = LimitSet(requestsPerMinute: 60, tokensPerMinute: 40_000, maxTokens: 1_024)
/// let effective = LimitSet(requestsPerMinute: 600).overriding(sandbox)   // 600 rpm, rest from sandbox
/// ```
public struct LimitSet: Codable, Sendable, Equatable {
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var concurrentRequests: Int?
    public var dailyTokens: Int?
    public var monthlyTokens: Int?
    /// Monthly spend budget in micro-units of the operator's currency.
    public var monthlySpendMicros: Int64?
    /// The largest `max_tokens` a request may ask for.
    public var maxTokens: Int?
    /// Public model names this scope may call; `nil` means every routed model.
    public var models: [String]?

    public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, concurrentRequests: Int? = nil,
                dailyTokens: Int? = nil, monthlyTokens: Int? = nil, monthlySpendMicros: Int64? = nil,
                maxTokens: Int? = nil, models: [String]? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.concurrentRequests = concurrentRequests
        self.dailyTokens = dailyTokens
        self.monthlyTokens = monthlyTokens
        self.monthlySpendMicros = monthlySpendMicros
        self.maxTokens = maxTokens
        self.models = models
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case requestsPerMinute = "requests_per_minute", tokensPerMinute = "tokens_per_minute"
        case concurrentRequests = "concurrent_requests", dailyTokens = "daily_tokens", monthlyTokens = "monthly_tokens"
        case monthlySpendMicros = "monthly_spend_micros", maxTokens = "max_tokens", models
    }

    /// The JSON field names, for checking input strictly.
    public static let fieldNames: Set<String> = Set(CodingKeys.allCases.map(\.rawValue))

    /// No limits at all.
    public static let unlimited = LimitSet()

    /// These limits where set, `base`'s elsewhere (an override over a tier).
    public func overriding(_ base: LimitSet) -> LimitSet {
        LimitSet(requestsPerMinute: requestsPerMinute ?? base.requestsPerMinute,
                 tokensPerMinute: tokensPerMinute ?? base.tokensPerMinute,
                 concurrentRequests: concurrentRequests ?? base.concurrentRequests,
                 dailyTokens: dailyTokens ?? base.dailyTokens,
                 monthlyTokens: monthlyTokens ?? base.monthlyTokens,
                 monthlySpendMicros: monthlySpendMicros ?? base.monthlySpendMicros,
                 maxTokens: maxTokens ?? base.maxTokens,
                 models: models ?? base.models)
    }

    /// Whether any budget (daily, monthly, spend) is set.
    public var hasBudget: Bool { dailyTokens != nil || monthlyTokens != nil || monthlySpendMicros != nil }

    /// Every problem with these values (negative or zero limits), each naming its field; empty when valid.
    public func problems() -> [String] {
        var found: [String] = []
        func positive(_ value: Int64?, _ name: String) {
            if let value, value <= 0 { found.append("\(name) must be a positive number (got \(value))") }
        }
        positive(requestsPerMinute.map(Int64.init), "requests_per_minute")
        positive(tokensPerMinute.map(Int64.init), "tokens_per_minute")
        positive(concurrentRequests.map(Int64.init), "concurrent_requests")
        positive(dailyTokens.map(Int64.init), "daily_tokens")
        positive(monthlyTokens.map(Int64.init), "monthly_tokens")
        positive(monthlySpendMicros, "monthly_spend")
        positive(maxTokens.map(Int64.init), "max_tokens")
        if let models, models.isEmpty { found.append("models must name at least one model (omit it to allow all)") }
        return found
    }
}

/// What happens when a budget is exhausted: `hard` rejects with `insufficient_quota`, `soft` only alerts.
public enum BudgetMode: String, Codable, Sendable, CaseIterable {
    case hard, soft
}

/// What happens to a request whose `max_tokens` is above the cap: lowered to the cap, or refused with 400.
public enum OverCapMode: String, Codable, Sendable, CaseIterable {
    case clamp, reject
}

/// The price of a model in micro-units of the operator's currency per million tokens.
///
/// ```swift
/// let price = ModelPrice(inputPerMillionMicros: 150_000, outputPerMillionMicros: 600_000)  // 0.15 / 0.60
/// price.cost(promptTokens: 1_000, completionTokens: 500)   // 450 micro-units
/// ```
public struct ModelPrice: Codable, Sendable, Equatable {
    public var inputPerMillionMicros: Int64
    public var outputPerMillionMicros: Int64

    public init(inputPerMillionMicros: Int64, outputPerMillionMicros: Int64) {
        self.inputPerMillionMicros = inputPerMillionMicros
        self.outputPerMillionMicros = outputPerMillionMicros
    }

    /// The cost in micro-units, rounded up to the next micro-unit (spend is never under-counted).
    public func cost(promptTokens: Int, completionTokens: Int) -> Int64 {
        let total = Int64(promptTokens) * inputPerMillionMicros + Int64(completionTokens) * outputPerMillionMicros
        return (total + 999_999) / 1_000_000
    }
}
