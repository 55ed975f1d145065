import Foundation
import Hummingbird
import Limits
import WardenCore

/// Step 4, limit: holds the call to the limits of its org, app and key at once (the tightest
/// wins). Refuses models the scopes may not call, clamps or refuses a `max_tokens` above the cap,
/// reserves one request and an upper bound of its tokens and cost, and answers 429 in OpenAI's
/// terms when a rate, the concurrency or a budget is exhausted. Every response carries the
/// `x-ratelimit-*` headers. When the response is done (streams included), what was reserved is
/// replaced by what was used, and the cost goes on the usage record.
struct EnforceLimits: RouterMiddleware {
    let limits: GatewayLimits

    func handle(_ request: Request, context: WardenRequestContext, next: (Request, WardenRequestContext) async throws -> Response) async throws -> Response {
        guard var call = context.call, let principal = context.principal else { return try await next(request, context) }
        let scopes = limits.scopes(for: principal)
        try LimitRules.checkModel(call, scopes: scopes)
        let maxTokens = try CompletionCap.apply(scopes.compactMap(\.limits.maxTokens).min(), reject: limits.config.overCap == .reject,
                                                to: &call, owner: "this app's cap")
        let price = limits.price(for: call.route.model)
        let demand = LimitRules.demand(call, maxTokens: maxTokens, reserve: limits.config.reserveCompletionTokens, price: price)

        switch limits.admit(scopes, demand: demand) {
        case .rejected(let why, let status):
            throw LimitRules.error(for: why, headers: RateLimitHeaders.fields(for: status))
        case .admitted(let ticket, let status):
            let headers = RateLimitHeaders.fields(for: status)
            context.meter.update { $0.responseHeaders += headers }
            let limits = self.limits
            context.meter.onFinish { facts in
                let used = (prompt: facts.promptTokens ?? 0, completion: facts.completionTokens ?? 0)
                let cost = price?.cost(promptTokens: used.prompt, completionTokens: used.completion)
                if let cost { facts.costMicros = cost }
                limits.finish(ticket, tokens: used.prompt + used.completion, spendMicros: cost ?? 0)
            }
        }
        var context = context
        context.call = call
        return try await next(request, context)
    }
}

/// The decisions of the limit step that need no state: model access, the reservation, and the
/// OpenAI errors for refusals (the `max_tokens` cap is `CompletionCap`, shared with `ApplyPolicy`).
enum LimitRules {
    /// A model outside a scope's `models` list is answered as OpenAI answers a model you cannot use.
    static func checkModel(_ call: ModelCall, scopes: [ScopedLimits]) throws {
        for scoped in scopes {
            guard let allowed = scoped.limits.models else { continue }
            if !allowed.contains(call.route.model) && !allowed.contains(call.requestedModel) {
                throw OpenAIError(status: 404, message: "The model '\(call.requestedModel)' does not exist or you do not have access to it (not in the models of this \(scoped.scope.level)'s tier).",
                                  type: "invalid_request_error", param: "model", code: "model_not_found")
            }
        }
    }

    /// An upper bound of what the call will use: the prompt estimated at 4 bytes a token plus 4
    /// per chat message, and the completion bound (or the configured reserve).
    static func demand(_ call: ModelCall, maxTokens: Int?, reserve: Int, price: ModelPrice?) -> LimitDemand {
        let messages = call.body["messages"]?.array?.count ?? 0
        let prompt = TokenEstimate.tokens(utf8Count: call.promptUTF8Count) + 4 * messages
        let completion = call.endpoint == .embeddings ? 0 : (maxTokens ?? reserve)
        let spend = price?.cost(promptTokens: prompt, completionTokens: completion) ?? 0
        return LimitDemand(tokens: prompt + completion, spendMicros: spend)
    }

    /// The OpenAI error for a refusal: 429 `rate_limit_exceeded` with `retry-after` when waiting
    /// helps, 429 `insufficient_quota` (not retried) when a budget is spent.
    static func error(for rejection: LimitRejection, headers: [(name: String, value: String)]) -> OpenAIError {
        var fields = Dictionary(headers.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        if let wait = rejection.retryAfterNanos {
            let after = RateLimitHeaders.retryAfter(nanos: wait)
            fields["retry-after"] = after.seconds
            fields["retry-after-ms"] = after.millis
        } else {
            fields["x-should-retry"] = "false"
        }
        let message: String, code: String, type: String
        switch rejection {
        case .requests(let scope, let limit, let wait):
            message = "Rate limit reached for requests on \(scope.level) \(scope.id): limit \(limit) per minute. Please try again in \(RateLimitHeaders.duration(nanos: wait))."
            (code, type) = ("rate_limit_exceeded", "requests")
        case .tokens(let scope, let limit, let requested, let wait?):
            message = "Rate limit reached for tokens on \(scope.level) \(scope.id): limit \(limit) per minute, requested \(requested). Please try again in \(RateLimitHeaders.duration(nanos: wait))."
            (code, type) = ("rate_limit_exceeded", "tokens")
        case .tokens(let scope, let limit, let requested, nil):
            message = "Request too large for \(scope.level) \(scope.id): limit \(limit) tokens per minute, requested \(requested) (prompt estimate plus max_tokens). Send a shorter prompt or a smaller max_tokens."
            (code, type) = ("rate_limit_exceeded", "tokens")
        case .concurrency(let scope, let limit):
            message = "Too many concurrent requests on \(scope.level) \(scope.id): limit \(limit). Please retry when one finishes."
            (code, type) = ("rate_limit_exceeded", "requests")
        case .budget(let scope, let kind, let limit, let used, let resets):
            let amount = kind == .monthlySpend ? "\(Money.units(used)) of \(Money.units(limit))" : "\(used) of \(limit) tokens"
            message = "You exceeded the \(kind.rawValue.replacingOccurrences(of: "_", with: " ")) budget of \(scope.level) \(scope.id) (\(amount) used). It resets at \(isoTime(resets)); ask the operator to raise it."
            (code, type) = ("insufficient_quota", "insufficient_quota")
        }
        return OpenAIError(status: 429, message: message, type: type, code: code, headers: fields)
    }

    private static func isoTime(_ unix: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(unix)).ISO8601Format()
    }
}
