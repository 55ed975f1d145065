import NIOPosix
import WardenCore

/// Where screening runs. The fast tier scores a text in microseconds and runs inline, on the
/// request's task. A classifier that can take milliseconds (`mayBlock`: the precise tier's encoder,
/// about 13 ms of CPU per escalated prompt) must not hold an event loop (Swift concurrency runs on
/// them in `warden serve`) that every other connection needs, so its blocking calls run on NIO's
/// blocking thread pool; when the pool is busy, requests wait their turn without blocking anyone.
///
/// `screen` tries inline first: most texts are settled by the fast tier alone
/// (`moderateWithoutBlocking`), and only a screening that meets a text needing the encoder is
/// redone on the pool. `run` always goes to the pool when the classifier may block; a stream's
/// chunks try inline first too, on a copy of their relay (`RelayBox.consumeInline`).
///
/// ```swift
/// let executor = ScreeningExecutor(for: classifier)
/// let decision = try await executor.screen(with: classifier) { policy.screenInput(texts, classifier: $0) }
/// try await executor.run(offloading: policy.asksSecondOpinion(precise)) { … }   // per request
/// ```
public struct ScreeningExecutor: Sendable {
    /// The classifier may block: its blocking calls go to the pool.
    let mayBlock: Bool

    public init(for classifier: (any TextClassifying)?) {
        mayBlock = classifier?.mayBlock == true
    }

    /// True when `run` sends every call to the blocking pool.
    public var offloads: Bool { mayBlock }

    /// Runs `work` on the blocking pool when the classifier may block or `offloading` says this
    /// call may (an app's second opinion), inline otherwise.
    public func run<T: Sendable>(offloading: Bool = false, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard mayBlock || offloading else { return try work() }
        return try await NIOThreadPool.singleton.runIfActive(work)
    }

    /// Screens with `work`, which must be free of side effects (it may run twice): inline when
    /// `classifier` settles every text it is asked about without blocking, else again on the
    /// blocking pool with `classifier` itself. `offloading` (an app's second opinion) goes to the
    /// pool at once.
    public func screen<T: Sendable>(with classifier: any TextClassifying, offloading: Bool = false,
                                    _ work: @escaping @Sendable (any TextClassifying) throws -> T) async throws -> T {
        if offloading { return try await NIOThreadPool.singleton.runIfActive { try work(classifier) } }
        guard mayBlock else { return try work(classifier) }
        let attempt = InlineAttempt(classifier)
        let settled = try work(attempt)
        if !attempt.neededBlocking { return settled }
        return try await NIOThreadPool.singleton.runIfActive { try work(classifier) }
    }
}

/// A classifier that answers only what `base` settles without blocking, and notes when it was
/// asked about a text that needs a blocking call (it then answers zeros, and the screening that
/// asked is redone on the pool). Used by one synchronous screening at a time.
final class InlineAttempt: TextClassifying, @unchecked Sendable {
    let base: any TextClassifying
    private(set) var neededBlocking = false

    init(_ base: any TextClassifying) { self.base = base }

    var modelName: String { base.modelName }

    func moderate(_ text: String) -> ModerationResult {
        if !neededBlocking, let result = base.moderateWithoutBlocking(text) { return result }
        neededBlocking = true
        return ModerationResult(categoryScores: [:], categories: [:])
    }
}
