import Policy
import WardenCore

/// Holds a call's completion length to a cap, for both steps that have one (the tier's
/// `max_tokens` in `EnforceLimits`, the policy's output cap in `ApplyPolicy`). The decision is the
/// Policy module's `OutputCap.apply`: a missing `max_tokens` is set to the cap, a larger one is
/// lowered (clamp) or refused with 400 `max_tokens_above_cap` (reject).
///
/// ```swift
/// let bound = try CompletionCap.apply(1_024, reject: false, to: &call, owner: "this app's cap")
/// ```
enum CompletionCap {
    /// The field the client used for the completion length (`max_completion_tokens` wins).
    static func field(_ body: JSONValue) -> String? {
        if body["max_completion_tokens"]?.int != nil { return "max_completion_tokens" }
        if body["max_tokens"]?.int != nil { return "max_tokens" }
        return nil
    }

    /// Applies `cap` (none: nothing changes) and returns the completion bound that holds afterwards
    /// (`nil` for embeddings, or when neither the client nor a cap gives one).
    static func apply(_ cap: Int?, reject: Bool, to call: inout ModelCall, owner: String) throws -> Int? {
        guard call.endpoint != .embeddings else { return nil }
        let field = field(call.body)
        let asked = field.flatMap { call.body[$0]?.int }
        switch OutputCap(maxOutputTokens: cap, overCap: reject ? .reject : .clamp).apply(requested: asked) {
        case .unchanged:
            return asked
        case .clamped(let bound):
            call.body[field ?? "max_tokens"] = .number(String(bound))
            return bound
        case .rejected(let bound, let requested):
            throw OpenAIError.invalidRequest(
                "'\(field ?? "max_tokens")' is \(requested), above \(owner) of \(bound) tokens. Ask for at most \(bound).",
                param: field ?? "max_tokens", code: "max_tokens_above_cap")
        }
    }
}
