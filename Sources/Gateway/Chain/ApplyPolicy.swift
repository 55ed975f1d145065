import Hummingbird
import Policy
import WardenCore

/// Step 5, apply policy: finds the app's effective policy (platform bounds and defaults, the
/// app's customization), puts the platform's and the app's system messages before the client's
/// messages, and holds `max_tokens` to the policy's output cap (clamped or refused, as the policy
/// says). The version decided under goes on the usage record.
struct ApplyPolicy: RouterMiddleware {
    let book: PolicyBook

    func handle(_ request: Request, context: WardenRequestContext, next: (Request, WardenRequestContext) async throws -> Response) async throws -> Response {
        guard var call = context.call, let principal = context.principal else { return try await next(request, context) }
        let policy = book.policy(for: principal.appId)
        let effective = policy.effective
        context.meter.update { $0.policyVersion = effective.version }
        var context = context
        if call.endpoint == .chatCompletions, !effective.systemMessages.isEmpty, var messages = call.body["messages"]?.array {
            let injected = effective.systemMessages.map { JSONValue.object([("role", .string("system")), ("content", .string($0))]) }
            messages.insert(contentsOf: injected, at: 0)
            call.body["messages"] = .array(messages)
            context.injectedMessages = injected.count
        }
        let cap = effective.outputCap
        _ = try CompletionCap.apply(cap.maxOutputTokens, reject: cap.overCap == .reject, to: &call, owner: "the policy's output cap")
        context.policy = policy
        context.call = call
        return try await next(request, context)
    }
}

/// Step 6, screen input: scores the client's messages (as the policy's scope and weights say)
/// with the built-in classifier and decides. `block` answers 400 `content_policy_violation`
/// naming the categories, and the upstream is never called; `flag` forwards and records.
struct ScreenInput: RouterMiddleware {
    let screeners: Screeners

    func handle(_ request: Request, context: WardenRequestContext, next: (Request, WardenRequestContext) async throws -> Response) async throws -> Response {
        guard let call = context.call, let policy = context.policy else { return try await next(request, context) }
        let texts = Self.texts(of: call, skipping: context.injectedMessages)
        let decision = try await screeners.executor.screen(with: screeners.classifier, offloading: policy.asksSecondOpinion(screeners.secondOpinion)) { [screeners] classifier in
            policy.screenInput(texts, classifier: classifier, secondOpinion: screeners.secondOpinion)
        }
        context.meter.update { $0.inputDecision = decision.record }
        guard decision.action == .block else { return try await next(request, context) }
        let message = policy.effective.refusals.renderInputBlock(categories: decision.categoryNames, policyVersion: policy.effective.version)
        context.meter.update { $0.errorCode = "content_policy_violation" }
        throw OpenAIError(status: 400, message: message, type: "invalid_request_error", param: Self.param(of: call.endpoint), code: "content_policy_violation")
    }

    /// The texts a client sent, with their roles: chat messages (minus the system messages the
    /// policy injected), or the prompt / input strings as user text.
    static func texts(of call: ModelCall, skipping injected: Int) -> [ChatText] {
        switch call.endpoint {
        case .chatCompletions:
            return (call.body["messages"]?.array ?? []).dropFirst(injected).map { message in
                ChatText(role: message["role"]?.string ?? "user", text: ModelCall.text(of: message["content"]))
            }
        case .completions: return ModelCall.strings(in: call.body["prompt"]).map { ChatText(role: "user", text: $0) }
        case .embeddings: return ModelCall.strings(in: call.body["input"]).map { ChatText(role: "user", text: $0) }
        }
    }

    static func param(of endpoint: ModelEndpoint) -> String {
        switch endpoint {
        case .chatCompletions: return "messages"
        case .completions: return "prompt"
        case .embeddings: return "input"
        }
    }
}

/// Step 7, screen output: installs the output screen that the forwarder applies to the
/// completion, whole (a blocked completion is replaced by the refusal with `finish_reason:
/// "content_filter"`) or streamed (re-scored on a sliding window as chunks arrive; on a block the
/// relay stops, the upstream is cancelled and a last `content_filter` chunk and `[DONE]` are sent).
struct ScreenOutput: RouterMiddleware {
    let screeners: Screeners

    func handle(_ request: Request, context: WardenRequestContext, next: (Request, WardenRequestContext) async throws -> Response) async throws -> Response {
        guard let call = context.call, call.endpoint != .embeddings, let policy = context.policy else { return try await next(request, context) }
        var context = context
        context.outputScreen = OutputScreen(policy: policy, classifier: screeners.classifier, secondOpinion: screeners.secondOpinion,
                                            executor: screeners.executor)
        return try await next(request, context)
    }
}

/// What screening uses: the classifier, the second opinion that apps may ask for (the precise
/// tier, when loaded), and where scoring runs (`ScreeningExecutor`).
struct Screeners: Sendable {
    let classifier: any TextClassifying
    /// Asked for texts near an app's thresholds when its policy says `second_opinion: true`.
    let secondOpinion: (any TextClassifying)?
    let executor: ScreeningExecutor

    init(classifier: any TextClassifying, secondOpinion: (any TextClassifying)? = nil) {
        self.classifier = classifier
        self.secondOpinion = secondOpinion
        self.executor = ScreeningExecutor(for: classifier)
    }
}
