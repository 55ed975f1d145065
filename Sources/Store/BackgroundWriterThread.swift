import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One dedicated OS thread, at a lowered scheduling priority, that runs blocking store writes.
///
/// Batched inserts cost milliseconds of CPU. Run on the shared dispatch pool, they take a core from
/// the event loop and every request that arrives meanwhile waits (on 2 cores this was the whole
/// p99 of `/v1/moderations`). On this thread (Linux `nice` +10 for the thread alone) the kernel
/// lets request threads run first; the write still finishes, because nothing else is waiting for
/// it but the next flush.
///
/// ```swift
/// let thread = BackgroundWriterThread(name: "warden-store-writer", niceness: 10)
/// try await thread.run { try pool.write { db in … } }   // GRDB's blocking write, on this thread
/// ```
public final class BackgroundWriterThread: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var stopped = false
    }
    /// Jobs and the stop flag, shared with the thread (one signal per job and one for stop).
    private final class Queue: Sendable {
        let state = Mutex(State())
        let wakeup = DispatchSemaphore(value: 0)
    }
    private let queue = Queue()

    public init(name: String, niceness: Int32 = 10) {
        let thread = Thread { [queue] in
            Self.lowerPriority(by: niceness)
            while true {
                queue.wakeup.wait()
                let (job, stop) = queue.state.withLock { s -> ((@Sendable () -> Void)?, Bool) in
                    s.jobs.isEmpty ? (nil, s.stopped) : (s.jobs.removeFirst(), false)
                }
                if let job { job() } else if stop { return }
            }
        }
        thread.name = name
        thread.start()
    }

    deinit { stop() }

    /// Lets the thread end once the jobs already queued have run.
    public func stop() {
        queue.state.withLock { $0.stopped = true }
        queue.wakeup.signal()
    }

    /// Runs `body` on the thread and returns its result; jobs run one at a time in order.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = queue.state.withLock { s -> Bool in
                guard !s.stopped else { return false }
                s.jobs.append { continuation.resume(with: Result { try body() }) }
                return true
            }
            if accepted { queue.wakeup.signal() } else { continuation.resume(throwing: CancellationError()) }
        }
    }

    /// Raises this thread's nice value; elsewhere a no-op. On Linux the nice value belongs to the
    /// thread, and `who` 0 names the calling thread.
    private static func lowerPriority(by niceness: Int32) {
        #if os(Linux)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        _ = setpriority(which, 0, min(19, getpriority(which, 0) + niceness))
        #endif
    }
}
