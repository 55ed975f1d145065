import Policy
import WardenCore

/// Screens what the model says under the request's policy: a whole completion at once, or a
/// stream through a `PolicyStreamGate` fed each content delta before it is relayed.
///
/// ```swift
/// let screen = OutputScreen(policy: policy, classifier: classifier)
/// let (decision, replaced) = screen.screenWhole(json, text: completionText)   // replaced: refusal body if blocked
/// var gate = screen.streamGate()
/// gate.admit("partial text")   // false: cut the stream here
/// ```
public struct OutputScreen: Sendable {
    public let policy: CompiledPolicy
    public let classifier: any TextClassifying
    /// The app's second opinion (the precise tier), when its policy asks for one.
    public let secondOpinion: (any TextClassifying)?
    /// Where scoring runs (the blocking pool when the classifier may take milliseconds).
    public let executor: ScreeningExecutor

    public init(policy: CompiledPolicy, classifier: any TextClassifying, secondOpinion: (any TextClassifying)? = nil,
                executor: ScreeningExecutor? = nil) {
        self.policy = policy
        self.classifier = classifier
        self.secondOpinion = secondOpinion
        self.executor = executor ?? ScreeningExecutor(for: classifier)
    }

    /// True when scoring goes to the blocking pool: the classifier may block, or this app's second opinion may be asked.
    public var offloads: Bool { executor.offloads || policy.asksSecondOpinion(secondOpinion) }

    /// True when a stream's chunks may be screened inline first (`RelayBox.consumeInline`): the
    /// classifier may block but this app asks no second opinion, which always goes to the pool.
    public var triesInline: Bool { executor.offloads && !policy.asksSecondOpinion(secondOpinion) }

    /// Runs `work` (a stream's relay, screening under this screen) where it belongs: inline or on
    /// the blocking pool.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await executor.run(offloading: policy.asksSecondOpinion(secondOpinion), work)
    }

    /// Scores and decides on one completion text (or a window of a stream).
    func screenOutput(_ text: String, classifier: (any TextClassifying)? = nil) -> PolicyDecision {
        policy.screenOutput(text, classifier: classifier ?? self.classifier, secondOpinion: secondOpinion)
    }

    /// `screenWhole`, inline when the fast tier settles the completion, else on the blocking pool.
    public func screenWholeWhereItBelongs(_ json: JSONValue, text: String) async throws -> (decision: PolicyDecision, replaced: JSONValue?) {
        try await executor.screen(with: classifier, offloading: policy.asksSecondOpinion(secondOpinion)) { [self] classifier in
            screenWhole(json, text: text, classifier: classifier)
        }
    }

    /// Decides on a whole completion; when it is blocked, also returns the response with every
    /// choice's text replaced by the refusal and `finish_reason: "content_filter"`.
    public func screenWhole(_ json: JSONValue, text: String, classifier: (any TextClassifying)? = nil) -> (decision: PolicyDecision, replaced: JSONValue?) {
        let decision = screenOutput(text, classifier: classifier)
        guard decision.action == .block else { return (decision, nil) }
        let refusal = policy.effective.refusals.renderOutputRefusal(categories: decision.categoryNames, policyVersion: policy.effective.version)
        var out = json
        if let choices = json["choices"]?.array {
            out["choices"] = .array(choices.map { choice in
                var c = choice
                if var message = c["message"], message.isObject {
                    message["content"] = .string(refusal)
                    message["tool_calls"] = nil
                    c["message"] = message
                } else {
                    c["text"] = .string(refusal)
                }
                c["finish_reason"] = .string("content_filter")
                return c
            })
        }
        return (decision, out)
    }

    public func streamGate() -> PolicyStreamGate { PolicyStreamGate(screen: self) }
}

/// Screens a streamed completion as it arrives: content deltas go into the policy's cadence
/// (a sliding window re-scored every N characters and at sentence ends); a window that scores
/// `block` stops the stream before that delta is relayed. At most N characters reach the client
/// between two scorings, so at most N characters of a violation can get through before the cut.
///
/// Each scoring judges the fresh text since the previous scoring (with a little overlap): a
/// violating sentence inside long benign text scores lower in a long window than on its own. The
/// sliding window (context across sentences) is judged too once half a window (`window_chars / 2`,
/// at least `rescore_every_chars`) has arrived since it last was, and at the end of the stream; the
/// stricter decision wins. So fresh text is judged at least every N characters and every character
/// is judged in context, without re-scoring the whole window at every sentence end.
public struct PolicyStreamGate: StreamContentGate {
    let screen: OutputScreen
    var cadence: StreamScreenCadence
    /// Where the previous scoring ended, and where the previous window scoring ended (characters).
    private var scoredUpTo = 0
    private var windowScoredUpTo = 0
    /// Characters before the fresh text that are judged with it.
    static let overlap = 16
    /// The strictest decision so far (the latest among equals), for the usage record.
    public private(set) var decision: PolicyDecision?
    public private(set) var scorings = 0
    /// Scores with this classifier instead of the screen's (an inline attempt), when set.
    var classifier: (any TextClassifying)?

    init(screen: OutputScreen) {
        self.screen = screen
        self.cadence = screen.policy.streamCadence()
    }

    public mutating func admit(_ delta: String) -> Bool {
        for window in cadence.feed(delta) where !judge(window) { return false }
        return true
    }

    public mutating func finish() -> Bool {
        guard let window = cadence.finish() else { return true }
        return judge(window)
    }

    private mutating func judge(_ window: ScreenWindow) -> Bool {
        let freshCount = window.end - scoredUpTo + Self.overlap
        scoredUpTo = window.end
        let scalars = window.text.unicodeScalars
        let windowCount = scalars.count
        let every = max(cadence.everyChars ?? Int.max, cadence.windowChars / 2)
        let judgeWindow = freshCount >= windowCount || window.reason == .streamEnd || window.end - windowScoredUpTo >= every
        var d: PolicyDecision?
        if judgeWindow {
            d = screen.screenOutput(window.text, classifier: classifier)
            windowScoredUpTo = window.end
            scorings += 1
        }
        if freshCount < windowCount {
            let fresh = String(scalars[scalars.index(scalars.endIndex, offsetBy: -freshCount)...])
            let f = screen.screenOutput(fresh, classifier: classifier)
            scorings += 1
            if d == nil || f.action > d!.action { d = f }
        }
        guard let d else { return true }
        if decision == nil || d.action >= decision!.action { decision = d }
        return d.action != .block
    }
}

/// Turns the policy decisions of a request into the usage record's fields.
enum PolicyRecording {
    /// The strictest action of input and output (`nil` when nothing was screened).
    static func action(_ facts: UsageMeter.Facts) -> String? {
        let actions = [facts.inputDecision?.action, facts.outputDecision?.action].compactMap { $0 }
        return actions.max()?.rawValue
    }

    static func json(_ facts: UsageMeter.Facts) -> String? {
        guard facts.inputDecision != nil || facts.outputDecision != nil else { return nil }
        var parts: [String] = []
        if let d = facts.inputDecision { parts.append("\"input\":\(d.json)") }
        if let d = facts.outputDecision { parts.append("\"output\":\(d.json)") }
        return "{" + parts.joined(separator: ",") + "}"
    }
}
