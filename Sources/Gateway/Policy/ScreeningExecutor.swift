import NIOPosix
import WardenCore

/// Where screening runs. The fast tier scores a text in microseconds and runs inline, on the
/// request's task. A classifier that can take milliseconds (`mayBlock`: the precise tier's encoder,
/// about 13 ms of CPU per escalated prompt) runs on NIO's blocking thread pool instead, so a request
/// never holds one of the cooperative threads (one per core) that every other request needs; when
/// the pool is busy, requests wait their turn for it without blocking anyone else.
///
/// ```swift
/// let executor = ScreeningExecutor(for: classifier)
/// let decision = try await executor.run { policy.screenInput(texts, classifier: classifier) }
/// ```
public struct ScreeningExecutor: Sendable {
    let pool: NIOThreadPool?

    public init(for classifier: (any TextClassifying)?) {
        pool = classifier?.mayBlock == true ? NIOThreadPool.singleton : nil
    }

    /// True when work goes to the blocking pool.
    public var offloads: Bool { pool != nil }

    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard let pool else { return try work() }
        return try await pool.runIfActive(work)
    }
}
