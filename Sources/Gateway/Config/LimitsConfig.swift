import Foundation
import Limits

/// `limits:` tiers, their assignment defaults, prices and how requests above the caps are treated.
/// Without this section nothing is limited and no cost is computed.
///
/// ```yaml
/// limits:
///   default_tier: sandbox
///   tiers:
///     sandbox: {requests_per_minute: 60, tokens_per_minute: 40000, monthly_tokens: 2000000, max_tokens: 1024}
///   prices:
///     smollm2: {input_per_million: 0.10, output_per_million: 0.20}
/// ```
public struct LimitsConfig: Decodable, Sendable {
    /// The tier of orgs that were not assigned one.
    public var defaultTier: String
    /// `hard` (reject with insufficient_quota) or `soft` (alert only), for orgs not set otherwise.
    public var budgetMode = BudgetMode.hard
    /// `clamp` or `reject` a request whose `max_tokens` is above its cap.
    public var overCap = OverCapMode.clamp
    /// Completion tokens reserved for a request that names no `max_tokens` when no cap applies.
    public var reserveCompletionTokens = 1_024
    /// Fractions of a budget at which an alert event is written.
    public var alertFractions: [Double] = [0.5, 0.8, 1.0]
    public var tiers: [String: Tier]
    /// Price per public model name.
    public var prices: [String: ModelPrice] = [:]

    enum CodingKeys: String, CodingKey {
        case defaultTier = "default_tier", budgetMode = "budget_mode", overCap = "over_cap"
        case reserveCompletionTokens = "reserve_completion_tokens", alertFractions = "alert_fractions", tiers, prices
    }

    public init(defaultTier: String, tiers: [Tier], prices: [String: ModelPrice] = [:], budgetMode: BudgetMode = .hard,
                overCap: OverCapMode = .clamp, alertFractions: [Double] = [0.5, 0.8, 1.0]) {
        self.defaultTier = defaultTier
        self.tiers = Dictionary(tiers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.prices = prices
        self.budgetMode = budgetMode
        self.overCap = overCap
        self.alertFractions = alertFractions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let defaultTier = try c.decodeIfPresent(String.self, forKey: .defaultTier) else {
            throw ConfigError("limits.default_tier: missing (name the tier of orgs without one)")
        }
        self.defaultTier = defaultTier
        budgetMode = try Self.enumValue(c, .budgetMode, "limits.budget_mode") ?? budgetMode
        overCap = try Self.enumValue(c, .overCap, "limits.over_cap") ?? overCap
        reserveCompletionTokens = try c.decodeIfPresent(Int.self, forKey: .reserveCompletionTokens) ?? reserveCompletionTokens
        alertFractions = try c.decodeIfPresent([Double].self, forKey: .alertFractions) ?? alertFractions
        let tierConfigs = try c.decodeIfPresent([String: TierConfig].self, forKey: .tiers) ?? [:]
        tiers = Dictionary(uniqueKeysWithValues: tierConfigs.map { ($0.key, Tier(name: $0.key, limits: $0.value.limits)) })
        let priceConfigs = try c.decodeIfPresent([String: PriceConfig].self, forKey: .prices) ?? [:]
        prices = priceConfigs.mapValues(\.price)
    }

    private static func enumValue<E: RawRepresentable & CaseIterable>(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, _ path: String) throws -> E?
    where E.RawValue == String {
        guard let raw = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = E(rawValue: raw) else {
            throw ConfigError("\(path): '\(raw)' is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// Tiers and prices must be sound and name only models the gateway routes.
    func validate(routedModels: Set<String>) throws {
        guard !tiers.isEmpty else { throw ConfigError("limits.tiers: define at least one tier") }
        guard tiers[defaultTier] != nil else {
            throw ConfigError("limits.default_tier: '\(defaultTier)' is not a tier (defined: \(tiers.keys.sorted().joined(separator: ", ")))")
        }
        guard reserveCompletionTokens >= 1 else { throw ConfigError("limits.reserve_completion_tokens: \(reserveCompletionTokens) must be at least 1") }
        for fraction in alertFractions where !(fraction > 0 && fraction <= 1) {
            throw ConfigError("limits.alert_fractions: \(fraction) must be above 0 and at most 1")
        }
        for (name, tier) in tiers.sorted(by: { $0.key < $1.key }) {
            if let problem = tier.limits.problems().first { throw ConfigError("limits.tiers.\(name).\(problem)") }
            for model in tier.limits.models ?? [] where !routedModels.contains(model) {
                throw ConfigError("limits.tiers.\(name).models: '\(model)' is not a model of any upstream")
            }
        }
        for name in prices.keys.sorted() where !routedModels.contains(name) {
            throw ConfigError("limits.prices.\(name): not a model of any upstream")
        }
    }
}

/// One tier as written in YAML; money in currency units, converted to micro-units.
struct TierConfig: Decodable {
    var limits: LimitSet

    enum CodingKeys: String, CodingKey {
        case requestsPerMinute = "requests_per_minute", tokensPerMinute = "tokens_per_minute"
        case concurrentRequests = "concurrent_requests", dailyTokens = "daily_tokens", monthlyTokens = "monthly_tokens"
        case monthlySpend = "monthly_spend", maxTokens = "max_tokens", models
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        limits = LimitSet(
            requestsPerMinute: try c.decodeIfPresent(Int.self, forKey: .requestsPerMinute),
            tokensPerMinute: try c.decodeIfPresent(Int.self, forKey: .tokensPerMinute),
            concurrentRequests: try c.decodeIfPresent(Int.self, forKey: .concurrentRequests),
            dailyTokens: try c.decodeIfPresent(Int.self, forKey: .dailyTokens),
            monthlyTokens: try c.decodeIfPresent(Int.self, forKey: .monthlyTokens),
            monthlySpendMicros: try c.decodeIfPresent(Double.self, forKey: .monthlySpend).map(Money.micros),
            maxTokens: try c.decodeIfPresent(Int.self, forKey: .maxTokens),
            models: try c.decodeIfPresent([String].self, forKey: .models))
    }
}

/// A model's price as written in YAML: currency units per million tokens.
struct PriceConfig: Decodable {
    var price: ModelPrice

    enum CodingKeys: String, CodingKey { case input = "input_per_million", output = "output_per_million" }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let input = try c.decode(Double.self, forKey: .input), output = try c.decode(Double.self, forKey: .output)
        guard input >= 0, output >= 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "prices must not be negative"))
        }
        price = ModelPrice(inputPerMillionMicros: Money.micros(input), outputPerMillionMicros: Money.micros(output))
    }
}

/// Money: micro-units of the operator's currency inside, currency units in YAML and for people.
public enum Money {
    public static func micros(_ units: Double) -> Int64 { Int64((units * 1_000_000).rounded()) }
    public static func units(_ micros: Int64) -> Double { Double(micros) / 1_000_000 }
    /// `5.00`: two decimals, for tables.
    public static func text(_ micros: Int64) -> String { String(format: "%.2f", units(micros)) }
}
