import NIOPosix
import WardenCore

/// Where screening runs. The fast tier scores a text in microseconds and runs inline, on the
/// request's task. A classifier that can take milliseconds (`mayBlock`: the precise tier's encoder,
/// about 13 ms of CPU per escalated prompt) runs on NIO's blocking thread pool instead, so a request
/// never holds an event loop (Swift concurrency runs on them in `warden serve`) that every other
/// connection needs; when the pool is busy, requests wait their turn for it without blocking anyone.
///
/// ```swift
/// let executor = ScreeningExecutor(for: classifier)
/// let decision = try await executor.run { policy.screenInput(texts, classifier: classifier) }
/// try await executor.run(offloading: policy.asksSecondOpinion(precise)) { … }   // per request
/// ```
public struct ScreeningExecutor: Sendable {
    /// Every call goes to the pool (the classifier may block).
    let alwaysOffloads: Bool

    public init(for classifier: (any TextClassifying)?) {
        alwaysOffloads = classifier?.mayBlock == true
    }

    /// True when every call goes to the blocking pool.
    public var offloads: Bool { alwaysOffloads }

    /// Runs `work` on the blocking pool when the classifier may block or `offloading` says this
    /// call may (an app's second opinion), inline otherwise.
    public func run<T: Sendable>(offloading: Bool = false, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard alwaysOffloads || offloading else { return try work() }
        return try await NIOThreadPool.singleton.runIfActive(work)
    }
}
