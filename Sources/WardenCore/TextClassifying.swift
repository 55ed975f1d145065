/// Anything that scores text against the moderation categories: the built-in classifier, a
/// remote moderation endpoint, a test double. The gateway depends on this protocol only.
///
/// ```swift
/// let result = classifier.moderate("some text")
/// if result.flagged { ... }
/// ```
public protocol TextClassifying: Sendable {
    /// A short name reported as `model` in `/v1/moderations` responses.
    var modelName: String { get }
    /// Scores one text. Must be safe to call concurrently from many tasks.
    func moderate(_ text: String) -> ModerationResult
    /// True when a call can take milliseconds of CPU (the precise tier's encoder). The gateway then
    /// runs screening on a blocking thread pool, never on a request's task thread.
    var mayBlock: Bool { get }
    /// The result when it can be had without a blocking call, nil when only `moderate` can give
    /// it (a text the precise tier has to re-score). Lets the gateway screen inline and go to the
    /// blocking pool only for the texts that need it.
    func moderateWithoutBlocking(_ text: String) -> ModerationResult?
}

extension TextClassifying {
    public var mayBlock: Bool { false }
    /// Every call of a classifier that may block needs the pool; any other answers inline.
    public func moderateWithoutBlocking(_ text: String) -> ModerationResult? { mayBlock ? nil : moderate(text) }
}
